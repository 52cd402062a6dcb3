// The desired-state side of a detection: what a source hands over (a snapshot of DesiredObjects with their
// provenance) and the one error a source as a whole can raise.
import type { DesiredError, DesiredObject } from "../drift/types.js";
import { ExpectedError } from "../lib/errors.js";

/** What a source holds at one moment. */
export interface DesiredSnapshot {
  objects: DesiredObject[];
  /** Documents that could not be read; reported as `Error` results, the rest is still compared. */
  errors: DesiredError[];
  /** Changes whenever the desired state changes (content hash, revision numbers, ETags): cheap change detection. */
  version: string;
}

/** A unit of a hub space as last loaded. */
export interface DesiredUnit {
  space: string;
  unit: string;
  unitId: string;
  /** The revision compared (applied, or head) and the newest one. */
  revision: number;
  headRevision: number;
  /** The unit it was cloned from, and the upstream revision it was last created or upgraded from. */
  upstream: { unitId: string; revision: number } | null;
}

/** Where desired state comes from: a directory, the embedded hub, or ConfigHub. */
export interface DesiredSource {
  /** For logs and messages, e.g. `hub:acorn-bear-prod` or `./manifests`. */
  readonly description: string;
  /** Reads the whole desired state. Throws SourceUnavailableError when the source cannot be read at all. */
  load(): Promise<DesiredSnapshot>;
  /** The hub units of the last load, with their upstreams (hub sources only): the dashboard's environment matrix. */
  units?(): DesiredUnit[];
  /** Frees what the source holds (a database, HTTP connections); no `load()` after it. Sources holding nothing omit it. */
  close?(): Promise<void>;
}

/** The source as a whole could not be read (unreadable directory, hub unreachable): exit code 2 for `check`. */
export class SourceUnavailableError extends ExpectedError {
  override readonly name = "SourceUnavailableError";
}
