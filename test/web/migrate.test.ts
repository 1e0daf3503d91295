import { describe, expect, it } from 'vitest';
import { PageFollow, pageHost, probe, wsUrl } from '../../src/web/migrate.js';

const hostId = 'aaaaaaaa-0000-4000-8000-000000000000';
const peerId = 'ffffffff-0000-4000-8000-000000000000';
const peers = { type: 'peers', epoch: 1, host: hostId, peers: [{ id: peerId, ip: '127.0.0.61', port: 47380, rank: 0 }] };

describe('web migration', () => {
  it('the first host is where the page came from; the WebSocket is /ws on a host game port', () => {
    expect(pageHost({ hostname: '192.168.1.23', port: '5050', protocol: 'http:' })).toEqual({ ip: '192.168.1.23', port: 5050 });
    expect(pageHost({ hostname: 'box', port: '', protocol: 'http:' })).toEqual({ ip: 'box', port: 80 });
    expect(wsUrl({ ip: '127.0.0.61', port: 47380 })).toBe('ws://127.0.0.61:47380/ws');
  });

  it('follows the peer list to the next host and times the migration from the loss to the first snapshot', () => {
    const f = new PageFollow({ ip: '127.0.0.60', port: 47380 });
    expect(f.welcomed(1)).toBe(true);
    expect(f.message(peers)).toBe(true);
    expect(f.lan).toBe(true);
    expect(f.message({ type: 'chat' })).toBe(false); // not ours: the session's
    f.snapshot(50); // no loss yet: nothing timed
    expect(f.lost(true, 1000)).toBe(50);
    expect(f.url).toBe('ws://127.0.0.61:47380/ws');
    expect(f.welcomed(2)).toBe(true);
    f.snapshot(1800);
    f.snapshot(1900);
    expect(f.resumeMs).toEqual([800]);
    expect(f.migrations).toBe(1);
  });

  it('a failed attempt moves on without restarting the clock; a reconnect to the same host is no migration', () => {
    const f = new PageFollow({ ip: '127.0.0.60', port: 47380 });
    f.welcomed(1);
    f.lost(true, 0);
    f.lost(false, 10); // the first try failed: the clock runs on from the loss
    expect(f.url).toBe('ws://127.0.0.60:47380/ws');
    f.welcomed(1);
    f.snapshot(700);
    expect(f.resumeMs).toEqual([700]);
    expect(f.migrations).toBe(0);
  });

  it('a malformed peer list is reported and dropped, never thrown; an older host is fenced', () => {
    const warned: string[] = [];
    const f = new PageFollow({ ip: '127.0.0.60', port: 47380 }, (l) => warned.push(l));
    f.welcomed(2);
    expect(f.message({ type: 'peers', epoch: 2, host: hostId, peers: [{ id: peerId, ip: '127.0.0.60', port: 47380, rank: 0 }] })).toBe(true);
    expect(f.lan).toBe(false);
    expect(warned[0]).toMatch(/peer list dropped \(peers\.self/);
    f.lost(true, 0);
    expect(f.welcomed(1)).toBe(false);
    expect(warned[1]).toMatch(/older host \(epoch 1 < 2\)/);
  });
});

describe('web migration: probing a game port before a WebSocket', () => {
  it('a port that answers HTTP is up; a closed one, or one that never answers, is not', async () => {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await probe({ ip: '127.0.0.1', port })).toBe(true);
    } finally {
      server.closeAllConnections(); // Node's fetch keeps its connection alive
      await new Promise((r) => server.close(r));
    }
    expect(await probe({ ip: '127.0.0.1', port })).toBe(false); // closed now: refused
    const hangs = (() => new Promise(() => {})) as unknown as typeof fetch;
    const t0 = performance.now();
    expect(await probe({ ip: '127.0.0.1', port }, 100, hangs)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
  });
});
