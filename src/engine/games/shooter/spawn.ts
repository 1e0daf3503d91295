import { SPAWN_SLOT1, SPAWN_SLOT2, PLAYER_W, type ShooterConfig } from './schema.js';

/** Where a slot's ship starts: the original's two points, then spread along the bottom. */
export function spawnPoint(slot: number, cfg: ShooterConfig): { x: number; y: number } {
  const y = cfg.height - 120;
  if (cfg.width === 750 && cfg.height === 750) {
    if (slot === 1) return SPAWN_SLOT1;
    if (slot === 2) return SPAWN_SLOT2;
  }
  const span = Math.max(1, cfg.width - PLAYER_W - 20);
  return { x: 10 + ((slot * 97) % span), y };
}
