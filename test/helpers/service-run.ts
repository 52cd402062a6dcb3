// Helpers for tests that run the service in process: polling for a condition, capturing its JSON log lines, and
// reading its HTTP endpoints.
import { Writable } from "node:stream";

export type LogLine = Record<string, unknown>;

/** Polls `fn` until it returns something other than undefined/false; fails naming `what` after `ms`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `until` with another default timeout, for suites whose waits are tuned to it. */
export function untilWithin(defaultMs: number) {
  return <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = defaultMs) =>
    until<T>(what, fn, ms);
}

/** A pino destination that drops every line. */
export function quietSink(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

/** A pino destination that parses each line into `lines`. */
export function logSink(lines: LogLine[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked field by field
export async function httpGet(base: string, path: string): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
