// The sim worker: the only thread that changes the world. Each due tick it drains the
// command queue, steps the simulation, publishes the result into the snapshot ring and
// bumps the heartbeat the watchdog watches. Pacing comes from TickLoop (fixed step on a
// monotonic clock); between ticks it sleeps in setTimeout so messages still get through.
//
// A standby worker (workerData `{ standby: true }`, SimStandby in sim-host.ts) is spawned
// before it is needed, so that a LAN node taking over as host does not wait for a thread
// and its modules: it loads them, then waits on its message port (no timer, no CPU) for the
// session to run (a StartMessage), and from then on is like any other.

import { parentPort, workerData } from 'node:worker_threads';
import { getGame } from '../engine/games/index.js';
import { hashToHex } from '../engine/hash.js';
import { InputQueue, type Command } from '../engine/input-queue.js';
import { blockViews } from '../engine/layout.js';
import { logger } from '../engine/log.js';
import { checkpointOfBlock, loadCheckpoint } from '../engine/checkpoint.js';
import { Recorder } from '../engine/recording.js';
import { Simulation } from '../engine/simulation.js';
import { SnapshotRing } from '../engine/snapshot-ring.js';
import { TickLoop } from '../engine/tick-loop.js';
import { threadClock } from '../engine/thread-cpu.js';
import { Ctl, type FromSimWorker, type SimStandbyData, type SimWorkerData, type ToSimWorker } from './messages.js';
import { percentile } from './percentile.js';

/**
 * While idle: how often the worker wakes by itself (the watchdog's heartbeat, and the queues
 * looked at for commands that do not wake it). A join wakes it at once (Ctl.WAKE).
 */
const IDLE_POLL_MS = 200;
/** Stats of an idle sim do not change: posted again only this rarely (each post allocates on two threads). */
const IDLE_STATS_MS = 10_000;

const log = logger('sim');
const port = parentPort!;
const post = (m: FromSimWorker) => port.postMessage(m);
const given = workerData as SimWorkerData | SimStandbyData;

if ('standby' in given) {
  const wait = (m: ToSimWorker) => {
    if (m.type !== 'start') return;
    port.off('message', wait);
    run(m.data);
  };
  port.on('message', wait);
} else {
  run(given);
}

function run(data: SimWorkerData): void {
  const game = getGame(data.game).create({ ...data.gameOptions, capacity: data.capacity });
  const block = blockViews(game.schema, data.capacity, data.stateBuffer, 0);
  const ring = new SnapshotRing(game.schema, data.capacity, data.ringBuffer);
  const queues = data.queueBuffers.map((b) => new InputQueue(b));
  const control = new Int32Array(data.controlBuffer);

  let restoredFrom = -1;
  if (data.checkpoint) {
    // a migrated host: resume from the state the old host replicated
    loadCheckpoint(data.checkpoint, block);
    restoredFrom = data.checkpoint.tick;
  } else if (data.restore) {
    const info = ring.copyNewest(block);
    if (!info) throw new Error('restore: no consistent snapshot in the ring');
    restoredFrom = info.tick;
  }
  const resuming = data.restore || data.checkpoint !== undefined;
  const sim = new Simulation(game, block, {
    capacity: data.capacity,
    seed: data.seed,
    hz: data.hz,
    restore: resuming,
  });

  let recorder: Recorder | undefined;
  if (data.recordPath) {
    const { recordPath, game: gameName, gameOptions, capacity, seed, hz } = data;
    recorder = new Recorder(recordPath, { game: gameName, gameOptions, capacity, seed, hz }, data.restore);
    if (resuming) recorder.checkpoint(checkpointOfBlock(block, sim.tick, sim.maxEid));
    const rec = recorder;
    sim.observer = (t, arrived, hash) => rec.tick(t, arrived, hash);
  }

  const publish = () =>
    ring.publish(sim.tick, block, {
      maxEid: sim.maxEid,
      aliveCount: sim.aliveCount,
      hashHi: sim.lastHash.hi,
      hashLo: sim.lastHash.lo,
    });
  publish();
  Atomics.store(control, Ctl.TICK, sim.tick);

  const loop = new TickLoop({ hz: data.hz, maxCatchUp: data.maxCatchUp });
  const samples = new Float64Array(600);
  let sampleCount = 0;
  let lastStatsAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const arrived: Command[] = [];
  const collect = (c: Command) => void arrived.push(c);
  // this thread's CPU and its 'sim' stage (the ticks), reported with the stats
  const clock = threadClock('sim');

  function runDueTicks(): void {
    clock.begin();
    for (let n = loop.due(); n > 0; n--) {
      const t0 = performance.now();
      arrived.length = 0;
      for (const q of queues) q.drain(collect);
      sim.step(arrived);
      publish();
      loop.ticked();
      const ms = performance.now() - t0;
      samples[sampleCount++ % samples.length] = ms;
      clock.add('sim', ms);
      Atomics.store(control, Ctl.TICK, sim.tick);
      Atomics.add(control, Ctl.BEAT, 1);
    }
    // wake whoever waits for new ticks (the connection layer), once per pump
    Atomics.notify(control, Ctl.TICK);
    clock.end();
    const now = performance.now();
    if (now - lastStatsAt >= 1000) {
      lastStatsAt = now;
      post({ type: 'stats', stats: stats() });
    }
    if (stopping) return;
    if (data.idleSleep && nobodyHere()) timer = setTimeout(idle, IDLE_POLL_MS);
    else timer = setTimeout(runDueTicks, loop.msUntilNext());
  }

  function nobodyHere(): boolean {
    if (!sim.clients().next().done) return false;
    return queues.every((q) => q.pending() === 0);
  }

  /**
   * An idle host costs next to nothing: no tick runs while nobody is in the world. The
   * heartbeat still moves (the watchdog must not take sleep for a stall); the first command
   * wakes the world where it stopped, without catching up the time it slept.
   */
  let sleeping = false;
  let waitingForWake = false;

  function idle(): void {
    sleeping = false;
    if (stopping) return;
    Atomics.add(control, Ctl.BEAT, 1);
    // read before looking at the queues: a wake after the look changes it, and the wait below returns at once
    const wake = Atomics.load(control, Ctl.WAKE);
    if (queues.some((q) => q.pending() > 0)) {
      loop.resume();
      return runDueTicks();
    }
    const now = performance.now();
    if (now - lastStatsAt >= IDLE_STATS_MS) {
      lastStatsAt = now;
      post({ type: 'stats', stats: stats() });
    }
    sleeping = true;
    timer = setTimeout(idle, IDLE_POLL_MS);
    // one waiter on the wake word per sleep (a timeout here would be late under load: a
    // setTimeout keeps the heartbeat); a wake that came after the look above returns at once
    if (waitingForWake) return;
    const r = Atomics.waitAsync(control, Ctl.WAKE, wake);
    if (!r.async) return void setImmediate(wakeUp);
    waitingForWake = true;
    void r.value.then(() => {
      waitingForWake = false;
      wakeUp();
    });
  }

  function wakeUp(): void {
    if (!sleeping || stopping) return;
    clearTimeout(timer);
    idle();
  }

  function stats() {
    const n = Math.min(sampleCount, samples.length);
    const s = Array.from(samples.subarray(0, n)).sort((a, b) => a - b);
    return {
      tick: sim.tick,
      skippedTicks: loop.skipped,
      entities: sim.aliveCount,
      tickP50Ms: percentile(s, 0.5),
      tickP99Ms: percentile(s, 0.99),
      tickMaxMs: s.length ? s[s.length - 1]! : 0,
      spawnRefused: sim.world.counters.spawnRefused,
      queueDroppedFull: queues.reduce((n, q) => n + q.droppedFull(), 0),
      drops: { ...sim.world.counters.drops },
      hash: hashToHex(sim.lastHash),
      thread: clock.stats(),
    };
  }

  port.on('message', (m: ToSimWorker) => {
    if (m.type === 'stop') {
      stopping = true;
      if (timer) clearTimeout(timer);
      // an idle sleep ends now rather than at its timeout
      Atomics.add(control, Ctl.WAKE, 1);
      Atomics.notify(control, Ctl.WAKE);
      recorder?.close();
      post({ type: 'stopped', tick: sim.tick });
      port.close();
      return;
    }
    if (m.type === 'fault') {
      if (!data.faultInjection) {
        log.warn({ kind: m.kind }, 'fault injection refused: not enabled');
        return;
      }
      log.warn({ kind: m.kind, ms: m.ms }, 'injecting fault');
      if (m.kind === 'throw') {
        recorder?.flush();
        throw new Error('injected fault');
      }
      const until = performance.now() + (m.ms ?? 1000);
      while (performance.now() < until) {
        // spin: the watchdog must notice that ticks stopped
      }
    }
  });

  log.info({ game: data.game, tick: sim.tick, restoredFrom }, resuming ? 'sim resumed from snapshot' : 'sim started');
  post({ type: 'ready', tick: sim.tick, restored: resuming });
  runDueTicks();
}
