import { open } from "node:fs/promises";

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes (then undefined). */
export async function waitFor<T>(
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  everyMs = 200,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The last `lines` lines of a log file (reading at most its last 64 KiB), or a note that it is empty. */
export async function readLogTail(file: string, lines: number): Promise<string> {
  try {
    const fh = await open(file, "r");
    try {
      const { size } = await fh.stat();
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, size - length);
      const text = buf.toString("utf8").trimEnd();
      return text ? text.split("\n").slice(-lines).join("\n") : "(empty)";
    } finally {
      await fh.close();
    }
  } catch {
    return "(no log)";
  }
}

/**
 * The lines of a component's log that say what went wrong: etcd's JSON entries at error level or worse (as
 * `level: msg: error`), klog's E/F lines and Go panics; the last `max` of them, or the plain last lines when none.
 */
export function errorLines(log: string, max = 8): string {
  const lines = log.split("\n").filter((l) => l.trim());
  const picked: string[] = [];
  for (const line of lines) {
    if (line.startsWith("{")) {
      try {
        const e = JSON.parse(line) as { level?: string; msg?: string; error?: string };
        if (e.level && /^(error|dpanic|panic|fatal)$/.test(e.level)) {
          picked.push(`${e.level}: ${e.msg ?? ""}${e.error ? `: ${e.error}` : ""}`);
        }
      } catch {
        // not JSON after all: judged below like any other line
      }
      continue;
    }
    if (/^[EF]\d{4} |^panic:|^Error:|^fatal/.test(line)) picked.push(line);
  }
  const shown = picked.length > 0 ? picked.slice(-max) : lines.slice(-max * 2);
  return shown.map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)).join("\n") || "(empty)";
}
