// In-process fan-out of drift events to live subscribers (the API's Server-Sent Events stream).
import type { DriftEvent } from "./records.js";

export type DriftEventListener = (ev: DriftEvent) => void;

export class DriftEventBus {
  private readonly listeners = new Set<DriftEventListener>();

  subscribe(listener: DriftEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(ev: DriftEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a broken subscriber must not stop the others
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
