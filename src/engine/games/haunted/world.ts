import type { SimWorld } from '../../world.js';
import type { HauntedSpec } from './schema.js';

export type HauntedWorld = SimWorld<HauntedSpec>;
