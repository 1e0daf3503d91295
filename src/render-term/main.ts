#!/usr/bin/env node
// Stand-alone entry of the terminal client (until the lanparty CLI gets a command for it):
//
//   node dist/src/render-term/main.js [host[:port]] [--port N] [--json] [--hold MS] [--no-kitty] [--fps N]

import { parseArgs } from 'node:util';
import { runTerminalClient } from './runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', short: 'p' },
    json: { type: 'boolean', default: false },
    hold: { type: 'string' },
    fps: { type: 'string' },
    'no-kitty': { type: 'boolean', default: false },
    name: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write('usage: main.js [host[:port]] [--port N] [--json] [--hold MS] [--fps N] [--no-kitty] [--name NAME]\n');
  process.exit(0);
}

const [hostArg = process.env.GAME_IP ?? '127.0.0.1'] = positionals;
const m = /^(.*?)(?::(\d+))?$/.exec(hostArg)!;
const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive number\n`);
    process.exit(2);
  }
  return n;
};

try {
  await runTerminalClient({
    host: m[1] || '127.0.0.1',
    port: num(values.port, 'port') ?? (m[2] ? Number(m[2]) : 5050),
    mode: values.json ? 'json' : 'msgpack',
    holdMs: num(values.hold, 'hold'),
    fps: num(values.fps, 'fps'),
    kitty: !values['no-kitty'],
    name: values.name,
  });
} catch (e) {
  process.stderr.write(`lanparty terminal client: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
