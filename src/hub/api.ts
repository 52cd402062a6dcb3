import type { Release } from "./confighub/wire.js";
import type { Hub, UpgradeResult } from "./hub.js";
import type {
  FunctionInvocation,
  FunctionResult,
  Revision,
  Space,
  SpaceInput,
  SpaceListItem,
  Unit,
  UnitInput,
  UnitListItem,
} from "./types.js";

/**
 * What the CLI, the hub sources and `apply` need from a hub, whichever it is: the embedded one in process
 * (EmbeddedHubApi) or one over HTTP, ours or ConfigHub (confighub/client.ts). Spaces and units by slug or ID.
 */
export interface HubApi {
  /** For messages: `embedded hub (./data)` or the server URL. */
  readonly description: string;
  listSpaces(where?: string): Promise<SpaceListItem[]>;
  getSpace(space: string): Promise<Space>;
  createSpace(input: SpaceInput): Promise<Space>;
  deleteSpace(space: string, opts?: { recursive?: boolean }): Promise<void>;
  /** Units of one space, or of every space when `space` is undefined; all pages. */
  listUnits(space: string | undefined, where?: string): Promise<UnitListItem[]>;
  getUnit(space: string, unit: string): Promise<Unit>;
  createUnit(space: string, input: UnitInput): Promise<Unit>;
  cloneUnit(space: string, upstreamSpace: string, upstreamUnit: string, input?: Partial<UnitInput>): Promise<Unit>;
  updateUnit(space: string, unit: string, patch: Partial<UnitInput> & { Version?: number }): Promise<Unit>;
  deleteUnit(space: string, unit: string): Promise<void>;
  getUnitData(space: string, unit: string): Promise<string>;
  putUnitData(
    space: string,
    unit: string,
    data: string,
    opts?: { ifMatch?: string; description?: string },
  ): Promise<Unit>;
  upgradeUnit(space: string, unit: string): Promise<UpgradeResult>;
  restoreUnit(space: string, unit: string, revisionNum: number): Promise<Unit>;
  /** A unit's revisions, oldest first; `where` over revision attributes (`RevisionNum > 3`, `CreatedAt >= '…'`). */
  listRevisions(space: string, unit: string, where?: string): Promise<Revision[]>;
  getRevisionData(space: string, unit: string, revisionNum: number): Promise<string>;
  invokeFunctions(
    space: string,
    where: string | undefined,
    invocations: FunctionInvocation[],
    description?: string,
  ): Promise<FunctionResult[]>;
  /** Records what `unit apply` applied (our extension: ConfigHub has no applied revision and ignores it). */
  markApplied(space: string, unit: string, revisionNum: number): Promise<Unit>;
  /** ConfigHub's `POST /space/{id}/release`: releases the space's units at their head revisions. */
  publishRelease(space: string): Promise<Release>;
  close(): Promise<void>;
}

/** The embedded hub in this process. */
export class EmbeddedHubApi implements HubApi {
  constructor(
    private readonly hub: Hub,
    readonly description: string,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async listSpaces(where?: string) {
    const out: SpaceListItem[] = [];
    let next: string | undefined;
    do {
      const page = await this.hub.listSpaces({ where, continue: next });
      out.push(...page.items);
      next = page.next;
    } while (next);
    return out;
  }
  getSpace(space: string) {
    return this.hub.getSpace(space);
  }
  createSpace(input: SpaceInput) {
    return this.hub.createSpace(input);
  }
  deleteSpace(space: string, opts?: { recursive?: boolean }) {
    return this.hub.deleteSpace(space, opts);
  }
  async listUnits(space: string | undefined, where?: string) {
    if (space) return this.hub.allUnits(space, where);
    const out: UnitListItem[] = [];
    let next: string | undefined;
    do {
      const page = await this.hub.listUnits({ where, continue: next });
      out.push(...page.items);
      next = page.next;
    } while (next);
    return out;
  }
  getUnit(space: string, unit: string) {
    return this.hub.getUnit(space, unit);
  }
  createUnit(space: string, input: UnitInput) {
    return this.hub.createUnit(space, input);
  }
  cloneUnit(space: string, upstreamSpace: string, upstreamUnit: string, input?: Partial<UnitInput>) {
    return this.hub.cloneUnit(space, upstreamSpace, upstreamUnit, input);
  }
  updateUnit(space: string, unit: string, patch: Partial<UnitInput> & { Version?: number }) {
    return this.hub.updateUnit(space, unit, patch);
  }
  deleteUnit(space: string, unit: string) {
    return this.hub.deleteUnit(space, unit);
  }
  async getUnitData(space: string, unit: string) {
    return (await this.hub.getUnitData(space, unit)).data;
  }
  putUnitData(space: string, unit: string, data: string, opts?: { ifMatch?: string; description?: string }) {
    return this.hub.putUnitData(space, unit, data, opts);
  }
  upgradeUnit(space: string, unit: string) {
    return this.hub.upgradeUnit(space, unit);
  }
  restoreUnit(space: string, unit: string, revisionNum: number) {
    return this.hub.restoreUnit(space, unit, revisionNum);
  }
  listRevisions(space: string, unit: string, where?: string) {
    return this.hub.listRevisions(space, unit, where);
  }
  async getRevisionData(space: string, unit: string, revisionNum: number) {
    return (await this.hub.getRevision(space, unit, revisionNum)).data;
  }
  invokeFunctions(space: string, where: string | undefined, invocations: FunctionInvocation[], description?: string) {
    return this.hub.invokeFunctions(space, where, invocations, description);
  }
  markApplied(space: string, unit: string, revisionNum: number) {
    return this.hub.markApplied(space, unit, revisionNum);
  }
  publishRelease(space: string) {
    return this.hub.publishRelease(space);
  }
  close() {
    return this.onClose();
  }
}
