// The games that ship with lanparty, registered by name for `--game`.

import { registerGame, getGame, gameNames } from '../game.js';
import { shooterFactory } from './shooter/index.js';
import { gatherFactory } from './gather/index.js';
import { squaresFactory } from './squares/index.js';
import { raceFactory } from './race/index.js';
import { hauntedFactory } from './haunted/index.js';

registerGame(shooterFactory);
registerGame(gatherFactory);
registerGame(squaresFactory);
registerGame(raceFactory);
registerGame(hauntedFactory);

export { getGame, gameNames };
export * as shooter from './shooter/index.js';
export * as gather from './gather/index.js';
export * as squares from './squares/index.js';
export * as race from './race/index.js';
export * as haunted from './haunted/index.js';
