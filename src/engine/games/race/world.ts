import type { SimWorld } from '../../world.js';
import type { RaceSpec } from './schema.js';

export type RaceWorld = SimWorld<RaceSpec>;
