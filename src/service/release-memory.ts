// A full detection parses, compares and drops every object, and what it drops stays in pages V8 keeps: at rest,
// with nothing allocating, no collection comes to free them, so the service held 85–140 MB of heap for 85 MB of
// live objects (RSS 240–315 MB at 10,000 objects, a different figure each run). Once the detection is done, one
// collection of everything that can go, which also returns the freed pages to the system (a regular major GC keeps
// them), brings it back to what is live. It needs --expose-gc, one of the service's node flags (the Dockerfile's
// ENTRYPOINT, bin/drift-detector.js); without it this does nothing.
type Gc = (options: { type: "major"; execution: "async"; flavor: "last-resort" }) => Promise<void>;

export function releaseMemory(): void {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc) void gc({ type: "major", execution: "async", flavor: "last-resort" });
}
