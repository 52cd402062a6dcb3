// DRIFT_ANALYSIS_MAX_PER_HOUR: a sliding one-hour window over drift analyses sent to a model; beyond it, rules.
export class HourlyBudget {
  private readonly spent: number[] = [];

  constructor(
    readonly maxPerHour: number,
    private readonly now: () => number = Date.now,
  ) {}

  private prune(): void {
    const cutoff = this.now() - 3_600_000;
    while (this.spent.length > 0 && this.spent[0] <= cutoff) this.spent.shift();
  }

  remaining(): number {
    this.prune();
    return Math.max(0, this.maxPerHour - this.spent.length);
  }

  /** Takes up to `n` units; returns how many were granted. */
  take(n: number): number {
    const granted = Math.min(n, this.remaining());
    const t = this.now();
    for (let i = 0; i < granted; i++) this.spent.push(t);
    return granted;
  }
}
