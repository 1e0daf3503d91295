import type { SimWorld } from '../../world.js';
import type { SquaresSpec } from './schema.js';

export type SquaresWorld = SimWorld<SquaresSpec>;
