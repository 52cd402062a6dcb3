// Bounds on the live event stream: connections in all and per client (the authenticated identity, else the remote
// address), a maximum age after which the stream ends (the client reconnects and is authenticated again, so a
// revoked token stops reading), and a bounded send buffer: a client too slow to read is dropped, not buffered.
export interface SseLimitOptions {
  maxConnections: number;
  maxPerClient: number;
  /** The stream ends after this long; the client reconnects. */
  maxAgeMs: number;
  /** Bytes queued for one client beyond which it is disconnected. */
  maxBufferBytes: number;
}

export const SSE_DEFAULTS: SseLimitOptions = {
  maxConnections: 200,
  maxPerClient: 10,
  maxAgeMs: 30 * 60_000,
  maxBufferBytes: 1024 * 1024,
};

export class SseLimits {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(readonly opts: SseLimitOptions) {}

  /** Takes a slot for `client`; a refusal says why. Call `release` once when the stream ends. */
  acquire(client: string): { release: () => void } | { refused: string } {
    if (this.total >= this.opts.maxConnections) {
      return { refused: `the service serves at most ${this.opts.maxConnections} event streams` };
    }
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= this.opts.maxPerClient) {
      return { refused: `at most ${this.opts.maxPerClient} event streams per client` };
    }
    this.total++;
    this.perClient.set(client, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left > 0) this.perClient.set(client, left);
        else this.perClient.delete(client);
      },
    };
  }

  get open(): number {
    return this.total;
  }
}
