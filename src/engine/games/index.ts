// The games that ship with lanparty, registered by name for `--game`.

import { registerGame, getGame, gameNames } from '../game.js';
import { shooterFactory } from './shooter/index.js';

registerGame(shooterFactory);

export { getGame, gameNames };
export * as shooter from './shooter/index.js';
