// The sim worker: the only thread that changes the world. Each due tick it drains the
// command queue, steps the simulation, publishes the result into the snapshot ring and
// bumps the heartbeat the watchdog watches. Pacing comes from TickLoop (fixed step on a
// monotonic clock); between ticks it sleeps in Atomics.wait (see pump()).
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
import { Ctl, IDLE_BEAT_MS, MAX_GROUP, type FromSimWorker, type SimStandbyData, type SimWorkerData, type ToSimWorker } from './messages.js';
import { percentile } from './percentile.js';


/** Stats of an idle sim do not change: posted again only this rarely (each post allocates on two threads). */
const IDLE_STATS_MS = 10_000;

/**
 * How long the worker runs ticks without giving its event loop a turn. The loop's turn is
 * what costs most per tick on a small machine (a setImmediate or a timer, the poll, the
 * callback: ~50-70 µs a wake on a 2-core VM, against ~40 µs for a bare kernel sleep and wake),
 * so it comes only this often (V8's GC tasks and this thread's GC observer need it), or at
 * once when a message waits: the main thread bumps the wake word after posting one.
 */
const YIELD_MS = 100;

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
  // the state hash of every tick only where a recording needs it (a replay checks each); else
  // the stats hash the newest tick when they are posted, once a second: nothing else reads
  // it, and hashing every tick cost the host ~2 ms/s (1,200 entities at 60 Hz)
  const hashEveryTick = data.recordPath !== undefined;
  const sim = new Simulation(game, block, {
    capacity: data.capacity,
    seed: data.seed,
    hz: data.hz,
    restore: resuming,
    hashEveryTick,
  });

  let recorder: Recorder | undefined;
  if (data.recordPath) {
    const { recordPath, game: gameName, gameOptions, capacity, seed, hz } = data;
    recorder = new Recorder(recordPath, { game: gameName, gameOptions, capacity, seed, hz }, data.restore);
    if (resuming) recorder.checkpoint(checkpointOfBlock(block, sim.tick, sim.maxEid));
    const rec = recorder;
    sim.observer = (t, arrived, hash) => rec.tick(t, arrived, hash);
  }

  // one object refilled per tick (the ring copies it)
  const info = { maxEid: 0, aliveCount: 0, hashHi: 0, hashLo: 0 };
  const publish = () => {
    info.maxEid = sim.maxEid;
    info.aliveCount = sim.aliveCount;
    info.hashHi = sim.lastHash.hi;
    info.hashLo = sim.lastHash.lo;
    ring.publish(sim.tick, block, info);
  };
  publish();
  Atomics.store(control, Ctl.TICK, sim.tick);

  const loop = new TickLoop({ hz: data.hz, maxCatchUp: data.maxCatchUp });
  const samples = new Float64Array(600);
  let sampleCount = 0;
  let lastStatsAt = performance.now();
  let stopping = false;
  const arrived: Command[] = [];
  /** The command objects the queues refill every tick (InputQueue.drainInto): none allocated per command. */
  const commandPool: Command[] = [];
  // this thread's CPU and its 'sim' stage (the turns that ran ticks), reported with the stats
  const clock = threadClock('sim');
  clock.mirrorTo(data.clockBuffer);


  /**
   * An idle host costs next to nothing: no tick runs while nobody is in the world. The
   * heartbeat still moves (the watchdog must not take sleep for a stall); the first command
   * wakes the world where it stopped, without catching up the time it slept.
   */
  let asleep = false;

  /** The tick to publish next: the end of the group the network thread asks for (Ctl.GROUP). */
  let next = sim.tick + 1;
  const maxGroup = Math.min(MAX_GROUP, data.maxCatchUp);
  /**
   * Plan the next publish: the first multiple of the group after the newest tick (a group of
   * 1: the next tick). Stored for the network thread, which looks at its sockets just before it.
   */
  function planNext(): void {
    const asked = Atomics.load(control, Ctl.GROUP);
    const k = asked >= 1 && asked <= maxGroup ? asked : 1;
    next = (Math.floor(sim.tick / k) + 1) * k;
    Atomics.store(control, Ctl.NEXT, next);
  }
  planNext();

  /**
   * The worker's loop: the ticks due now, then a sleep in the kernel (Atomics.wait on the wake
   * word, with the time to the next publish as its timeout, exact to a few tens of µs where a
   * timer is late by up to a millisecond and woke the thread twice per tick). A join or a
   * message ends the sleep early; the event loop then gets its turn (setImmediate), so
   * messages (stop, fault) still get through.
   *
   * In groups (Ctl.GROUP k > 1: every client is sent only ticks that are multiples of k) the
   * sleep lasts until the group's last tick is due, and the turn then runs the k ticks one
   * after the other, as a catch-up does: the same ticks, the same inputs in the same order
   * (a client's inputs that came meanwhile are applied one a tick, input-rules.ts), one wake
   * where there were k. What nobody is sent is not waited for.
   */
  function pump(): void {
    if (stopping) return;
    const until = performance.now() + YIELD_MS;
    // read before looking at the queues: a wake after the look changes it, and the wait returns at once
    const first = Atomics.load(control, Ctl.WAKE);
    for (let wake = first; wake === first; wake = Atomics.load(control, Ctl.WAKE)) {
      if (data.idleSleep && nobodyHere()) {
        asleep = true;
        Atomics.store(control, Ctl.ASLEEP, 1);
        Atomics.add(control, Ctl.BEAT, 1);
        const now = performance.now();
        if (now - lastStatsAt >= IDLE_STATS_MS) {
          lastStatsAt = now;
          post({ type: 'stats', stats: stats() });
        }
        Atomics.wait(control, Ctl.WAKE, wake, IDLE_BEAT_MS);
        break; // asleep, the loop's turn costs nothing that matters
      }
      if (asleep) {
        asleep = false;
        // a beat before the flag: a watchdog that sees the worker awake also sees a fresh beat,
        // not the one from before the sleep (the first tick is a step away)
        Atomics.add(control, Ctl.BEAT, 1);
        Atomics.store(control, Ctl.ASLEEP, 0);
        loop.resume();
      }
      runDueTicks();
      planNext();
      const ms = loop.msUntilNext() + Math.max(0, next - sim.tick - 1) * loop.stepMs;
      if (ms > 0) Atomics.wait(control, Ctl.WAKE, wake, ms);
      if (performance.now() >= until) break;
    }
    setImmediate(pump);
  }

  function runDueTicks(): void {
    let n = loop.due();
    if (n === 0) return;
    // the whole turn is this thread's 'sim' stage: draining, stepping, publishing, waking the
    // readers, the stats (two /proc reads in one turn of 8: StageClock.startSampled)
    const t0 = clock.startSampled();
    for (; n > 0; n--) {
      const ts = performance.now();
      arrived.length = 0;
      for (let i = 0; i < queues.length; i++) queues[i]!.drainInto(arrived, commandPool);
      sim.step(arrived);
      publish();
      loop.ticked();
      samples[sampleCount++ % samples.length] = performance.now() - ts;
      Atomics.store(control, Ctl.TICK, sim.tick);
      Atomics.add(control, Ctl.BEAT, 1);
    }
    // wake whoever waits for new ticks (the connection layer), once per turn, the next publish planned
    planNext();
    Atomics.notify(control, Ctl.TICK);
    const now = performance.now();
    if (now - lastStatsAt >= 1000) {
      lastStatsAt = now;
      post({ type: 'stats', stats: stats() });
    }
    clock.stopSampled('sim', t0);
  }

  function nobodyHere(): boolean {
    if (sim.hasClients()) return false;
    for (const q of queues) if (q.pending() !== 0) return false;
    return true;
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
      hash: hashToHex(hashEveryTick ? sim.lastHash : sim.computeHash()),
      thread: clock.stats(),
    };
  }

  port.on('message', (m: ToSimWorker) => {
    if (m.type === 'stop') {
      stopping = true;
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
  pump();
}
