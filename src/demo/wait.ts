/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes; then throws `what` timed out. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; onWait?: (lastError?: string) => void },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`,
      );
    }
    opts.onWait?.(lastError);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}

/** GET `url` (optionally with a bearer token); resolves the response when its status is 2xx, else undefined. */
export async function httpOk(url: string, token?: string): Promise<Response | undefined> {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5_000),
  });
  return res.ok ? res : undefined;
}
