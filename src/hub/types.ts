// The hub's entities with ConfigHub's field names (PascalCase, ../../shared/confighub-api.md): the embedded hub
// returns exactly these, over HTTP and in process, and the ConfigHub client reads them.

export type Labels = Record<string, string>;

export interface Space {
  SpaceID: string;
  Slug: string;
  DisplayName: string;
  Labels: Labels;
  Annotations: Labels;
  Version: number;
  CreatedAt: string;
  UpdatedAt: string;
}

export interface Unit {
  UnitID: string;
  SpaceID: string;
  SpaceSlug: string;
  Slug: string;
  DisplayName: string;
  ToolchainType: string;
  Labels: Labels;
  Annotations: Labels;
  LastChangeDescription: string;
  /** Hex SHA-256 of the unit's data at head. */
  DataHash: string;
  DataSize: number;
  HeadRevisionNum: number;
  LastReleasedRevisionNum: number;
  /** Our extension: the revision last applied to a cluster by `unit apply` (0: never). */
  LastAppliedRevisionNum: number;
  UpstreamUnitID: string | null;
  UpstreamSpaceID: string | null;
  UpstreamRevisionNum: number;
  Version: number;
  CreatedAt: string;
  UpdatedAt: string;
}

export interface Revision {
  RevisionID: string;
  RevisionNum: number;
  UnitID: string;
  SpaceID: string;
  Description: string;
  DataHash: string;
  DataSize: number;
  UserID: string;
  CreatedAt: string;
}

/** Items of `GET /space`. */
export interface SpaceListItem {
  Space: Space;
  TotalUnitCount: number;
}

/** Items of `GET /space/{sid}/unit` and `GET /unit`. */
export interface UnitListItem {
  Unit: Unit;
  Space: Space;
  UpstreamUnit?: Unit | null;
}

export const KUBERNETES_YAML = "Kubernetes/YAML";

/** The fields a caller may set when creating a space. */
export interface SpaceInput {
  Slug: string;
  DisplayName?: string;
  Labels?: Labels;
  Annotations?: Labels;
}

/** The fields a caller may set when creating a unit (Data: the YAML text). */
export interface UnitInput {
  Slug: string;
  DisplayName?: string;
  ToolchainType?: string;
  Labels?: Labels;
  Annotations?: Labels;
  LastChangeDescription?: string;
  Data?: string;
}

/** A field both sides changed differently during an upgrade; the downstream value was kept. */
export interface MergeConflict {
  /** Document identity, `apps/v1/Deployment/ns/name`. */
  Document: string;
  /** RFC 6901 pointer inside the document. */
  Path: string;
}

export interface FunctionArgument {
  ParameterName: string;
  Value: string | number | boolean;
}

export interface FunctionInvocation {
  FunctionName: string;
  Arguments: FunctionArgument[];
}

/** One unit's outcome of a function invocation. */
export interface FunctionResult {
  UnitID: string;
  UnitSlug: string;
  SpaceID: string;
  /** Whether the unit's data changed (a new revision was made). */
  Mutated: boolean;
  /** What read-only functions returned (get-replicas). */
  Output: unknown[];
  RevisionNum: number;
  Error: string | null;
}

export interface Page<T> {
  items: T[];
  /** Token for the next page, `ConfigHub-Continue`; absent on the last page. */
  next?: string;
}

export interface ListQuery {
  where?: string;
  contains?: string;
  limit?: number;
  continue?: string;
  orderBy?: string;
}
