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
