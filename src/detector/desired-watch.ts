// Keeps the last known desired state current: reloads the source on a timer (hub: cheap revision/ETag checks) and,
// for directories, as soon as a file changes. A source that cannot be read keeps the last known state in force.
import { type FSWatcher, watch } from "node:fs";
import type { Logger } from "pino";
import { DirectorySource } from "../desired/directory.js";
import type { DesiredSnapshot, DesiredSource } from "../desired/source.js";
import { errorMessage } from "../lib/errors.js";

export interface DesiredWatchOptions {
  source: DesiredSource;
  logger: Logger;
  pollMs: number;
  onChange: (snapshot: DesiredSnapshot) => void;
  onAvailability?: (available: boolean) => void;
}

export class DesiredWatch {
  private timer: NodeJS.Timeout | undefined;
  private fsWatcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private version: string | undefined;
  private available = true;
  private loading: Promise<DesiredSnapshot | undefined> | undefined;
  private stopped = false;

  constructor(private readonly opts: DesiredWatchOptions) {}

  /** Loads once; resolves with the snapshot, or undefined when the source is unavailable. */
  async load(): Promise<DesiredSnapshot | undefined> {
    this.loading ??= this.loadOnce().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<DesiredSnapshot | undefined> {
    try {
      const snapshot = await this.opts.source.load();
      if (!this.available)
        this.opts.logger.info({ source: this.opts.source.description }, "desired-state source available again");
      this.setAvailable(true);
      if (snapshot.version !== this.version) {
        this.version = snapshot.version;
        if (!this.stopped) this.opts.onChange(snapshot);
      }
      return snapshot;
    } catch (err) {
      if (this.available) {
        this.opts.logger.warn(
          { source: this.opts.source.description, err: errorMessage(err) },
          "desired-state source unavailable; keeping the last known desired state",
        );
      }
      this.setAvailable(false);
      return undefined;
    }
  }

  private setAvailable(available: boolean): void {
    if (available !== this.available) {
      this.available = available;
      this.opts.onAvailability?.(available);
    }
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.timer = setTimeout(() => void this.load().finally(() => !this.stopped && tick()), this.opts.pollMs);
      this.timer.unref();
    };
    tick();
    const source = this.opts.source;
    if (source instanceof DirectorySource) {
      try {
        this.fsWatcher = watch(source.root, { recursive: true }, () => {
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => void this.load(), 300);
        });
        this.fsWatcher.on("error", () => this.fsWatcher?.close());
      } catch {
        // a single file or a platform without recursive watch: the timer covers it
      }
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    this.fsWatcher?.close();
  }
}
