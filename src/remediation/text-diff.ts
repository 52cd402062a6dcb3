// A unified diff of two texts (a unit's data before and after `accept`), for previews and the dashboard.
// Longest-common-subsequence over lines: unit data is small (a few hundred lines), so O(n·m) is fine.

const MAX_CELLS = 4_000_000;

export function unifiedDiff(before: string, after: string, opts: { context?: number; name?: string } = {}): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = a.length * b.length > MAX_CELLS ? replaceAll(a, b) : lcsOps(a, b);
  const context = opts.context ?? 3;
  const name = opts.name ?? "data";
  const out: string[] = [`--- ${name}`, `+++ ${name}`];
  // Group the ops into hunks with `context` unchanged lines around each change.
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === " ") {
      i++;
      continue;
    }
    let start = i;
    let lead = 0;
    while (start > 0 && ops[start - 1]!.kind === " " && lead < context) {
      start--;
      lead++;
    }
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== " ") end++;
      let gap = 0;
      while (end + gap < ops.length && ops[end + gap]!.kind === " ") gap++;
      if (end + gap < ops.length && gap <= context * 2) end += gap;
      else {
        end += Math.min(gap, context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk[0]!.a;
    const bStart = hunk[0]!.b;
    const aLen = hunk.filter((o) => o.kind !== "+").length;
    const bLen = hunk.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${aStart + (aLen ? 1 : 0)},${aLen} +${bStart + (bLen ? 1 : 0)},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
    i = end;
  }
  return `${out.join("\n")}\n`;
}

interface Op {
  kind: " " | "-" | "+";
  text: string;
  /** Lines of `a` / `b` before this one. */
  a: number;
  b: number;
}

function splitLines(s: string): string[] {
  const lines = s.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const len: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[i]![j] = a[i] === b[j] ? len[i + 1]![j + 1]! + 1 : Math.max(len[i + 1]![j]!, len[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i]!, a: i++, b: j++ });
    } else if (j < m && (i >= n || len[i]![j + 1]! >= len[i + 1]![j]!)) {
      ops.push({ kind: "+", text: b[j]!, a: i, b: j++ });
    } else {
      ops.push({ kind: "-", text: a[i]!, a: i++, b: j });
    }
  }
  // Show removals before additions within a run of changes, as diff(1) does.
  for (let k = 0; k < ops.length; ) {
    if (ops[k]!.kind === " ") {
      k++;
      continue;
    }
    let e = k;
    while (e < ops.length && ops[e]!.kind !== " ") e++;
    const run = ops.slice(k, e);
    const sorted = [...run.filter((o) => o.kind === "-"), ...run.filter((o) => o.kind === "+")];
    const a0 = run[0]!.a;
    const b0 = run[0]!.b;
    sorted.forEach((o, x) => {
      ops[k + x] = { ...o, a: a0, b: b0 };
    });
    k = e;
  }
  return ops;
}

function replaceAll(a: string[], b: string[]): Op[] {
  return [
    ...a.map((text): Op => ({ kind: "-", text, a: 0, b: 0 })),
    ...b.map((text): Op => ({ kind: "+", text, a: 0, b: 0 })),
  ];
}
