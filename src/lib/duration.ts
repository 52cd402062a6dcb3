// Go-style durations ("300ms", "30s", "5m", "1h30m") as used by Kubernetes tooling, in milliseconds; also days
// ("90d"), which retention periods need.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses a duration; returns undefined when the text is not one. A bare number means seconds. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^((\d+(\.\d+)?)(ms|s|m|h|d))+$/.test(t)) return undefined;
  let total = 0;
  for (const [, n, unit] of t.matchAll(PART)) total += Number(n) * UNIT_MS[unit];
  return total;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
