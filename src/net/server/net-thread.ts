// A network thread (a piscina worker running one long task): it owns the listener and every
// client connection of the host, reads the snapshot ring and writes the sockets itself, and
// puts inputs into its own command queue. The task ends only when the main thread says stop;
// if the thread dies instead, the main thread starts a new one with the sessions it kept
// (host-server.ts), and the clients come back with their tokens.

import { threadId } from 'node:worker_threads';
import { logger } from '../../engine/log.js';
import { threadClock } from '../../engine/thread-cpu.js';
import { NetServer } from './net-server.js';
import { NetCounter, NetStats } from './net-stats.js';
import { simLink } from './sim-link.js';
import type { FromNetThread, NetTask, NetTaskResult, ToNetThread } from './thread-messages.js';

const log = logger('net-thread');

export default async function serve(task: NetTask): Promise<NetTaskResult> {
  const { options: o, port } = task;
  const post = (m: FromNetThread) => port.postMessage(m);
  // this thread's CPU by stage (read: connection.ts; encode, write: snapshots.ts), mirrored
  // where the main thread reads it (HostServer.stats().threads)
  const clock = threadClock(`net#${threadId}`);
  clock.mirrorTo(task.clockBuffer);
  const stats = new NetStats(task.statsBuffer);
  const sim = simLink({ ...o, ringBuffer: task.ringBuffer, controlBuffer: task.controlBuffer, queueBuffer: task.queueBuffer });
  const server = new NetServer(
    sim,
    o,
    stats,
    new Int32Array(task.seqBuffer),
    {
      session: (m) => post({ type: 'session', ...m }),
      sessionEnd: (client) => post({ type: 'session-end', client }),
    },
    task.sessions,
  );
  if (task.peers) server.setPeers(task.peers);
  try {
    await server.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    port.close();
    return { listenFailed: { message: e.message, code: e.code, address: e.address, port: e.port } };
  }
  post({ type: 'listening', port: server.port });
  return new Promise((resolve) => {
    port.on('message', (m: ToNetThread) => {
      switch (m.type) {
        case 'sim': {
          server.simInfo = { stats: m.stats, restarts: m.restarts };
          // once a second: this thread's CPU and read time in the shared counters (lanparty top)
          const t = clock.stats();
          stats.set(NetCounter.cpuMs, t.cpuMs);
          stats.set(NetCounter.readMs, t.stages.read ?? 0);
          return;
        }
        case 'fault':
          if (!o.faultInjection) return void log.warn('fault injection refused: not enabled');
          log.warn('injecting a network thread fault');
          setImmediate(() => {
            throw new Error('injected network thread fault');
          });
          return;
        case 'peers':
          return server.setPeers(m.peers);
        case 'heap':
          (globalThis as { gc?: () => void }).gc?.();
          return post({ type: 'heap', heapUsed: process.memoryUsage().heapUsed });
        case 'stop':
          void server.stop().then(() => {
            port.close();
            resolve({ stopped: true });
          });
          return;
      }
    });
  });
}
