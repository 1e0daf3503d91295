// The reference terminal client: plays every game (shooter, gather, squares, race) with the
// session's chat in a terminal, in msgpack mode (default) or JSON mode.
// docs/terminal-client.md describes keys, HUD, games, chat, prediction and limits.
//
//   screen.ts       in-memory cell buffer (char, fg, bg)
//   diff.ts         frame-to-frame ANSI diff writer
//   raster.ts       world -> pixel canvas -> half-block cells (the shooter)
//   games.ts        per-game views (welcome.game): size, drawing, panel and bar lines
//   chat.ts         chat input line, scrollback, roster names, control-character stripping
//   hud.ts          status bar, side panel, overlays, banners
//   frame.ts        layout and whole frames, "terminal too small"
//   keys.ts         escape sequences -> key events (legacy and kitty protocol)
//   input.ts        held keys -> buttons (hold timeout, kitty releases)
//   world.ts        snapshots (msgpack state or JSON) -> entity lists
//   predict.ts      own-ship prediction and reconciliation
//   interpolate.ts  interpolation of everything else
//   stats.ts        rates for the HUD
//   terminal.ts     terminal modes and their restoration
//   options.ts      the client's options
//   runner.ts       the client loop: runTerminalClient / startTerminalClient

export { runTerminalClient, startTerminalClient, TerminalClient, type HostAddress, type TerminalClientOptions } from './runner.js';
export { Screen, DEFAULT, rgb, to256, type Color } from './screen.js';
export { diffScreens, sgr, moveTo, type ColorDepth, type DiffOptions } from './diff.js';
export { PixelCanvas, drawWorld, blitHalfBlocks, PALETTE } from './raster.js';
export { renderFrame, renderTooSmall, layout, MIN_COLS, MIN_ROWS, type FrameModel, type Layout } from './frame.js';
export type { HudInfo } from './hud.js';
export { parseKeys, flushRest, type KeyEvent, type TermEvent, type ParseResult } from './keys.js';
export { Keyboard, KEY_BUTTONS, type KeyboardOptions } from './input.js';
export { fromSnapshotState, fromJsonSnapshot, ownShip, entity, PLAYER_KINDS, type EntityState, type WorldState } from '../client-core/world.js';
export { Predictor, stepShip, SHOOTER_RULES, type MoveRules, type PredictorOptions } from '../client-core/predict.js';
export { Interpolator, lerpWorld } from '../client-core/interpolate.js';
export { RateMeter } from './stats.js';
export { gameView, GAME_VIEWS, type GameView } from './games.js';
export { Chat, clean, type ChatLine } from './chat.js';
export { TerminalGuard, enterSequence, restoreSequence, KITTY_FLAGS } from './terminal.js';
