import type { SimWorld } from '../../world.js';
import type { GatherSpec } from './schema.js';

export type GatherWorld = SimWorld<GatherSpec>;
