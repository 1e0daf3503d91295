// The page's session token: kept in sessionStorage (it survives a reload of this tab, not
// other tabs), and sent in the join of every reconnect, to the same host or to the next one
// after a migration (the hosts replicate their sessions). A token the host no longer knows
// is dropped and the page joins afresh. When and where to retry: ./migrate.ts.
// DOM-free (the storage is passed in; unit-tested in Node).

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Host error codes after which the token is useless: join as a new player. */
export const TOKEN_REFUSED: ReadonlySet<string> = new Set(['BAD_TOKEN', 'TOKEN_EXPIRED']);

export class Reconnect {
  constructor(
    private readonly store: TokenStore,
    /** One key for the tab: its token is good on every host of the session it follows. */
    private readonly key = 'lanparty.token',
  ) {}

  get token(): string | null {
    return this.store.getItem(this.key);
  }

  /** Welcomed: remember the token. */
  welcomed(token: string): void {
    this.store.setItem(this.key, token);
  }

  /** The host refused the join with `code`: forget a token it will not take. */
  refused(code: string): void {
    if (TOKEN_REFUSED.has(code)) this.store.removeItem(this.key);
  }
}
