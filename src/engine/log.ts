// One logger for every thread: JSON lines on stderr (pino), level from LANPARTY_LOG
// (trace|debug|info|warn|error|silent; default info). Synchronous writes, so a line logged
// just before a worker dies is not lost.

import { pino, type Logger } from 'pino';

export type { Logger };

const level = process.env.LANPARTY_LOG ?? 'info';

export const rootLogger: Logger = pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));

export function logger(component: string): Logger {
  return rootLogger.child({ c: component });
}
