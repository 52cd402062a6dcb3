import type { AdmissionWrite } from "./types.js";

/** Recent writes, bounded by count and age; dry-runs never enter. */
export class WriteBuffer {
  private writes: AdmissionWrite[] = [];

  constructor(
    private readonly maxSize: number,
    private readonly maxAgeMs: number,
  ) {}

  add(write: AdmissionWrite, now: number = write.at): void {
    if (write.dryRun) return;
    this.writes.push(write);
    this.prune(now);
  }

  /** The writes to one object, oldest first. */
  forObject(objectUid: string, now: number): AdmissionWrite[] {
    this.prune(now);
    return this.writes.filter((w) => w.objectUid === objectUid);
  }

  /** The writes to the object of this key (objectRefKey), oldest first. */
  forRef(objectRef: string, now: number): AdmissionWrite[] {
    this.prune(now);
    return this.writes.filter((w) => w.objectRef === objectRef);
  }

  get size(): number {
    return this.writes.length;
  }

  private prune(now: number): void {
    const oldest = now - this.maxAgeMs;
    this.writes = this.writes.filter((w) => w.at >= oldest);
    if (this.writes.length > this.maxSize) this.writes = this.writes.slice(-this.maxSize);
  }
}
