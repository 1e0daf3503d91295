// When and how the page reconnects: the session token is kept in sessionStorage (it
// survives a reload of this tab, not other tabs), and a dropped connection is retried with
// a growing delay. A token the host no longer knows is dropped and the page joins afresh.
// DOM-free (the storage is passed in; unit-tested in Node).

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Host error codes after which the token is useless: join as a new player. */
export const TOKEN_REFUSED: ReadonlySet<string> = new Set(['BAD_TOKEN', 'TOKEN_EXPIRED']);

export class Reconnect {
  private attempts = 0;

  constructor(
    private readonly store: TokenStore,
    /** One key per host address (a page may have followed the session to another host). */
    private readonly key = 'lanparty.token',
    private readonly minMs = 200,
    private readonly maxMs = 2000,
  ) {}

  get token(): string | null {
    return this.store.getItem(this.key);
  }

  /** Welcomed: remember the token, start the delays over. */
  welcomed(token: string): void {
    this.store.setItem(this.key, token);
    this.attempts = 0;
  }

  /** The host refused the join with `code`: forget a token it will not take. */
  refused(code: string): void {
    if (TOKEN_REFUSED.has(code)) this.store.removeItem(this.key);
  }

  /** Delay before the next attempt (ms): 200, 400, 800, ... up to 2 s. */
  nextDelay(): number {
    const d = Math.min(this.maxMs, this.minMs * 2 ** this.attempts);
    this.attempts++;
    return d;
  }
}
