// Readiness as a set of named conditions: the app is ready when every registered condition holds.
export class Readiness {
  private readonly conditions = new Map<string, { ok: boolean; reason?: string }>();

  /** Declares a condition (initially false unless given) or updates it. */
  set(name: string, ok: boolean, reason?: string): void {
    this.conditions.set(name, { ok, reason });
  }

  remove(name: string): void {
    this.conditions.delete(name);
  }

  get ready(): boolean {
    for (const c of this.conditions.values()) if (!c.ok) return false;
    return this.conditions.size > 0;
  }

  /** For the /readyz body: each condition and why it is not met. */
  report(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, c] of this.conditions) out[name] = c.ok ? "ok" : (c.reason ?? "not ready");
    return out;
  }
}

/**
 * Liveness as heartbeats: the app is alive while every expected heartbeat came within its bound. A loop that stops
 * beating is hung (a promise that never settles), which only a restart cures.
 */
export class Liveness {
  private readonly beats = new Map<string, { at: number; boundMs: number }>();

  /** Starts expecting `name` to beat at least every `boundMs` (counting from now). */
  expect(name: string, boundMs: number): void {
    this.beats.set(name, { at: Date.now(), boundMs });
  }

  beat(name: string): void {
    const b = this.beats.get(name);
    if (b) b.at = Date.now();
  }

  forget(name: string): void {
    this.beats.delete(name);
  }

  /** For the /healthz body: each heartbeat overdue, and for how long it has been silent. */
  stalled(now = Date.now()): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, b] of this.beats) {
      const silent = now - b.at;
      if (silent > b.boundMs) out[name] = `no progress for ${Math.round(silent / 1000)}s`;
    }
    return out;
  }
}
