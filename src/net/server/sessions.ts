// Sessions: a client id and a uuid v4 token per player. When a connection drops, its player
// stays in the world for the grace period (10 s by default); the same token within that time
// reattaches a new connection to the same client id, entity and score. A token is refused
// when unknown (BAD_TOKEN), past its grace (TOKEN_EXPIRED) or held by a live connection
// (TOKEN_IN_USE).

import { v4 as uuidv4 } from 'uuid';
import { ErrorCode } from '../errors.js';

export interface Session {
  readonly client: number;
  readonly token: string;
  entity: number;
  attached: boolean;
  graceTimer: NodeJS.Timeout | undefined;
  /** While detached: when the grace ends (performance.now() ms). */
  graceEndsAt?: number;
  /** Newest input seq passed to the sim for this player, across all its connections. */
  inputSeq: number;
  /** Chat nickname: kept across reconnects (set by the HostServer's ChatRoom). */
  name?: string;
  /** In the chat room's roster (announced as joined, not yet as left). */
  announced?: boolean;
}

export interface SessionRecord {
  client: number;
  token: string;
  entity: number;
  /** Chat nickname, carried across a host migration. */
  name?: string;
}

const EXPIRED_REMEMBERED = 4096;

export class Sessions {
  private nextClient = 1;
  private readonly byToken = new Map<string, Session>();
  private readonly byClient = new Map<number, Session>();
  private readonly expired = new Set<string>();

  constructor(
    private readonly graceMs: number,
    private readonly onExpire: (s: Session) => void,
  ) {}

  /** A new client id, with or without a token (seed 003 clients cannot reconnect). */
  create(withToken: boolean): Session {
    const client = this.nextClient++;
    const s: Session = { client, token: withToken ? uuidv4() : '', entity: -1, attached: true, graceTimer: undefined, inputSeq: 0 };
    this.byClient.set(client, s);
    if (withToken) this.byToken.set(s.token, s);
    return s;
  }

  resume(token: string): Session | typeof ErrorCode.BAD_TOKEN | typeof ErrorCode.TOKEN_EXPIRED | typeof ErrorCode.TOKEN_IN_USE {
    const s = this.byToken.get(token);
    if (!s) return this.expired.has(token) ? ErrorCode.TOKEN_EXPIRED : ErrorCode.BAD_TOKEN;
    if (s.attached) return ErrorCode.TOKEN_IN_USE;
    clearTimeout(s.graceTimer);
    s.graceTimer = undefined;
    s.attached = true;
    return s;
  }

  /** The connection is gone: keep the player for the grace period, then expire it. */
  detach(client: number): void {
    const s = this.byClient.get(client);
    if (!s || !s.attached) return;
    s.attached = false;
    if (!s.token) return this.end(s);
    s.graceEndsAt = performance.now() + this.graceMs;
    s.graceTimer = setTimeout(() => this.end(s), this.graceMs);
    s.graceTimer.unref();
  }

  /** Gone for good now (explicit leave, or grace over). */
  end(s: Session): void {
    clearTimeout(s.graceTimer);
    if (!this.byClient.delete(s.client)) return;
    if (s.token) {
      this.byToken.delete(s.token);
      this.expired.add(s.token);
      if (this.expired.size > EXPIRED_REMEMBERED) this.expired.delete(this.expired.values().next().value!);
    }
    this.onExpire(s);
  }

  /** What a backup needs to honour these tokens after a host migration. */
  export(): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const s of this.byClient.values()) {
      if (s.token) out.push({ client: s.client, token: s.token, entity: s.entity, ...(s.name !== undefined ? { name: s.name } : {}) });
    }
    return out;
  }

  /**
   * Take over the sessions of a previous host: each waits, detached, for its client to
   * reconnect within the grace period, as if its connection had just dropped.
   */
  import(records: readonly SessionRecord[], nextClient: number): void {
    for (const r of records) {
      const s: Session = { client: r.client, token: r.token, entity: r.entity, attached: true, graceTimer: undefined, inputSeq: 0 };
      if (r.name !== undefined) s.name = r.name;
      this.byClient.set(r.client, s);
      this.byToken.set(r.token, s);
      this.detach(r.client);
    }
    this.nextClient = Math.max(this.nextClient, nextClient, ...records.map((r) => r.client + 1));
  }

  /** Sessions alive (attached or in their grace period). */
  get size(): number {
    return this.byClient.size;
  }

  get next(): number {
    return this.nextClient;
  }

  get(client: number): Session | undefined {
    return this.byClient.get(client);
  }

  all(): IterableIterator<Session> {
    return this.byClient.values();
  }

  closeAll(): void {
    for (const s of this.byClient.values()) clearTimeout(s.graceTimer);
  }
}
