// ConfigHub's wire shapes, named from the types generated out of its OpenAPI spec (openapi.ts, from openapi.json:
// `npm run gen:confighub`). Both the client and the embedded hub's routes are typed with these, so a re-pinned spec
// that changes a shape breaks the build.
import type { components, operations } from "./openapi.js";

export type Schemas = components["schemas"];
export type OperationId = keyof operations;

/** The JSON body operation `Op` answers with for `status`. */
export type ResponseBody<
  Op extends OperationId,
  S extends keyof operations[Op]["responses"] = 200,
> = operations[Op]["responses"][S] extends { content: { "application/json": infer B } } ? B : never;

/** The JSON body operation `Op` takes. */
export type RequestBody<Op extends OperationId> = operations[Op] extends {
  requestBody?: { content: infer C };
}
  ? C[keyof C]
  : never;

/** The query parameters of operation `Op`. */
export type QueryOf<Op extends OperationId> = NonNullable<operations[Op]["parameters"]["query"]>;

export type WireSpace = Schemas["Space"];
export type WireUnit = Schemas["Unit"];
export type WireRevision = Schemas["Revision"];
export type ExtendedSpace = Schemas["ExtendedSpace"];
export type ExtendedUnit = Schemas["ExtendedUnit"];
export type ExtendedRevision = Schemas["ExtendedRevision"];
export type UnitCreateOrUpdateResponse = Schemas["UnitCreateOrUpdateResponse"];
export type DeleteResponse = Schemas["DeleteResponse"];
export type FunctionInvocationsResponse = Schemas["FunctionInvocationsResponse"];
export type ResponseError = Schemas["ResponseError"];
export type StandardErrorResponse = Schemas["StandardErrorResponse"];
export type MutationConflict = Schemas["MutationConflict"];
export type Release = Schemas["Release"];

/** The response header carrying the next page's token (ConfigHub 0.8.2 and later; our hub always). */
export const CONTINUE_HEADER = "ConfigHub-Continue";
/** The server's release, on every response. */
export const VERSION_HEADER = "ConfigHub-Version";
