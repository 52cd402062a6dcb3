// A full detection parses, compares and drops every object, and what it drops stays in pages V8 keeps: at rest,
// with nothing allocating, no collection comes to free them, so the service held 85–140 MB of heap for 85 MB of
// live objects (RSS 240–315 MB at 10,000 objects, a different figure each run). Once the detection is done, one
// collection of everything that can go, which also returns the freed pages to the system (a regular major GC keeps
// them), brings it back to what is live. It needs --expose-gc, one of the service's node flags (the Dockerfile's
// ENTRYPOINT, bin/drift-detector.js); without it this does nothing. It pauses the process while it runs (150–170 ms
// at 10,000 objects, 450–700 ms at 100,000 on the 2-core sandbox VM), and the first change after it takes ~50 ms
// longer than the next ones.
type Gc = (options: { type: "major"; execution: "async"; flavor: "last-resort" }) => Promise<void>;

/** Resolves once the collection is done. */
export async function releaseMemory(): Promise<void> {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc) await gc({ type: "major", execution: "async", flavor: "last-resort" });
}
