import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

// ConfigHub's OpenAPI subset (the copy kept in src/hub/confighub/openapi.json) as a validator: the schema an operation
// declares for a status and media type, checked by ajv. Used by the conformance test of the embedded hub and by the
// ConfigHub stand-in, which checks every answer it gives.

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

export const SPEC = JSON.parse(
  readFileSync(new URL("../../src/hub/confighub/openapi.json", import.meta.url), "utf8"),
) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
for (const f of ["int64", "int32", "base64"]) ajv.addFormat(f, true);
ajv.addSchema({ ...SPEC, $id: "confighub" });

const routes = Object.entries(SPEC.paths).flatMap(([template, ops]) =>
  Object.entries(ops)
    .filter(([method]) => method !== "parameters")
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      op,
      re: new RegExp(`^/api${template.replace(/\{[^}]+\}/g, "([^/]+)")}$`),
      names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
    })),
);

export interface MatchedOperation {
  operationId: string;
  template: string;
  params: Record<string, string>;
  op: Operation;
}

/** The spec's operation for a request path under `/api` (no query), if the subset has one. */
export function findOperation(method: string, path: string): MatchedOperation | undefined {
  for (const r of routes) {
    if (r.method !== method.toUpperCase()) continue;
    const m = r.re.exec(path);
    if (m)
      return {
        operationId: r.op.operationId,
        template: r.template,
        params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])),
        op: r.op,
      };
  }
  return undefined;
}

const compiled = new Map<string, ValidateFunction>();
function validator(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    compiled.set(ref, v);
  }
  return v;
}

/** Schema errors of a JSON answer of `operationId` with `status` (empty: it conforms); throws for an undeclared one. */
export function responseErrors(operationId: string, status: number, body: unknown): string[] {
  const found = routes.find((r) => r.op.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId} in the spec`);
  const declared = found.op.responses[String(status)] ?? found.op.responses.default;
  if (!declared) return [`${operationId} declares no ${status} response`];
  const media = declared.content?.["application/json"];
  if (!media) return [`${operationId} ${status} declares no JSON body`];
  const key = Object.keys(found.op.responses).includes(String(status)) ? String(status) : "default";
  const ref = `confighub#/paths/${pointer(found.template)}/${found.method.toLowerCase()}/responses/${key}/content/application~1json/schema`;
  const v = validator(ref);
  return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/** The property names a request body schema of `operationId` declares (for a strict stand-in). */
export function requestProperties(operationId: string, mediaType = "application/json"): Set<string> | undefined {
  const found = routes.find((r) => r.op.operationId === operationId);
  let schema = found?.op.requestBody?.content[mediaType]?.schema as { $ref?: string; properties?: object } | undefined;
  if (schema?.$ref) schema = SPEC.components.schemas[schema.$ref.split("/").pop() as string] as typeof schema;
  return schema?.properties ? new Set(Object.keys(schema.properties)) : undefined;
}

const pointer = (template: string) => template.replace(/~/g, "~0").replace(/\//g, "~1");
