// Waits that an abort ends early: loops that back off between attempts, and work that waits on others, stop at once
// on shutdown.

/** Resolves after `ms`, or as soon as `signal` aborts (at once if it already has); never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Waits for `wait`, or less if the signal aborts first (and leaves no listener on the long-lived signal). */
export async function untilAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  if (signal.aborted) return;
  let onAbort = () => {};
  const abort = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([wait, abort]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
