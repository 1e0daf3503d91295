// The application: how the engine, the workers, the network layers and the terminal client
// are put together into the commands of src/cli.ts. Only this folder (and the CLI) knows
// all of them; the layers below do not import from here.

export { exitWithParent, parentWatchEnv, PARENT_PID_ENV } from './exit-with-parent.js';
export { startHosting, type Hosting, type HostingOptions, type HostingStats, type SnapshotOptions } from './hosting.js';
export { quietLogsOnTerminal, runUp, type UpOptions } from './up.js';
