import type { Schemas } from "./confighub/wire.js";

// The hub's entities: ConfigHub's own (generated from its OpenAPI spec, confighub/openapi.ts), with the fields we use
// made required. The embedded hub fills all of them; the ConfigHub client reads them off the wire.

export type Labels = Record<string, string>;

type Present<T, K extends keyof T> = { [P in K]-?: NonNullable<T[P]> };

export type Space = Present<
  Schemas["Space"],
  "SpaceID" | "Slug" | "DisplayName" | "Labels" | "Annotations" | "Version" | "CreatedAt" | "UpdatedAt"
>;

export type Unit = Present<
  Schemas["Unit"],
  | "UnitID"
  | "SpaceID"
  | "SpaceSlug"
  | "Slug"
  | "DisplayName"
  | "ToolchainType"
  | "Labels"
  | "Annotations"
  | "LastChangeDescription"
  | "DataHash"
  | "DataSize"
  | "HeadRevisionNum"
  | "LastReleasedRevisionNum"
  | "UpstreamRevisionNum"
  | "Version"
  | "CreatedAt"
  | "UpdatedAt"
> &
  Pick<Schemas["Unit"], "HeadRevisionID" | "UpstreamUnitID" | "UpstreamSpaceID"> & {
    /** Our extension: the revision last applied to a cluster by `unit apply` (0: never; ConfigHub has none). */
    LastAppliedRevisionNum: number;
  };

export type Revision = Present<
  Schemas["Revision"],
  "RevisionID" | "RevisionNum" | "UnitID" | "SpaceID" | "Description" | "DataHash" | "DataSize" | "CreatedAt"
> &
  Pick<Schemas["Revision"], "UserID">;

/** Items of `GET /space` and the answer of `GET /space/{id}` (ExtendedSpace). */
export interface SpaceListItem {
  Space: Space;
  TotalUnitCount: number;
}

/** Items of `GET /space/{sid}/unit` and `GET /unit`, and the answer of `GET …/unit/{id}` (ExtendedUnit). */
export interface UnitListItem {
  Unit: Unit;
  Space?: Space;
  UpstreamUnit?: Unit;
}

export const KUBERNETES_YAML = "Kubernetes/YAML";

/** The fields a caller may set when creating a space. */
export interface SpaceInput {
  Slug: string;
  DisplayName?: string;
  Labels?: Labels;
  Annotations?: Labels;
}

/** The fields a caller may set when creating a unit; `Data` (the YAML text) is written as the unit's data. */
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

/** One unit's outcome of a function invocation (ConfigHub's FunctionInvocationsResponse). */
export type FunctionResult = Present<
  Schemas["FunctionInvocationsResponse"],
  "UnitID" | "UnitSlug" | "SpaceID" | "Success"
> &
  Pick<
    Schemas["FunctionInvocationsResponse"],
    "SpaceSlug" | "RevisionID" | "DataHash" | "HasNewMutations" | "Outputs" | "Error"
  >;

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
