// Helpers for tests that run the service in process: starting it with test settings, polling for a condition,
// capturing its JSON log lines, and reading its HTTP endpoints.
import { Writable } from "node:stream";
import { inject } from "vitest";
import { type RunningService, type ServiceOptions, startService } from "../../src/service/service.js";
import { loadRunSettings, type RunSettings } from "../../src/service/settings.js";

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

/**
 * `drift-detector run` settings for a service under test, on the run's sandbox unless `flags` name another
 * kubeconfig: a free port, no leader election, detection driven by watches (a full resync every 10 min), the source
 * polled every second and rules analysis; `flags` (the source, `dataDir`, anything else) add to or override these.
 */
export function testRunSettings(
  flags: Record<string, string> & { dataDir: string },
  env: Record<string, string> = {},
): RunSettings {
  return loadRunSettings({
    env,
    flags: {
      kubeconfig: inject("kubeconfig"),
      analysis: "rules",
      listen: "127.0.0.1:0",
      leaderElection: "false",
      interval: "10m",
      sourcePoll: "1s",
      ...flags,
    },
  });
}

/**
 * Starts the service in process (no environment of its own, logs to `log` or dropped) and resolves once /readyz says
 * it is ready; a service that does not get ready in `readyWithinMs` is stopped and the start fails.
 */
export async function startReadyService(
  options: Omit<ServiceOptions, "logDestination"> & { log?: Writable },
  readyWithinMs = 60_000,
): Promise<RunningService> {
  const { log, ...rest } = options;
  const service = await startService({ env: {}, logDestination: (log ?? quietSink()) as never, ...rest });
  try {
    await until("readiness", async () => (await fetch(`${service.address}/readyz`)).status === 200, readyWithinMs);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}
