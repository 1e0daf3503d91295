import type { SimWorld } from '../../world.js';
import type { ShooterSpec } from './schema.js';

export type ShooterWorld = SimWorld<ShooterSpec>;
