import { type Document, isMap, isSeq, parseAllDocuments, type YAMLMap } from "yaml";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { badRequest } from "./errors.js";
import type { FunctionInvocation } from "./types.js";

// The hub's functions, ConfigHub's names and parameters. They edit the YAML documents in place, so comments and
// layout of untouched parts survive.

const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};
const SCALABLE = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

export interface FunctionOutcome {
  data: string;
  mutated: boolean;
  output: unknown[];
}

type Args = Record<string, string>;
type Fn = (doc: Document, args: Args, output: unknown[]) => boolean;

const FUNCTIONS: Record<string, { params: string[]; run: Fn; readOnly?: boolean }> = {
  "set-image": {
    params: ["container-name", "container-image"],
    run: (doc, a) => eachContainer(doc, a["container-name"], (c) => setScalar(c, "image", a["container-image"])),
  },
  "set-image-reference": {
    params: ["container-name", "image-reference"],
    run: (doc, a) => {
      const ref = a["image-reference"];
      if (!/^[:@]./.test(ref))
        throw badRequest(`image-reference must start with ":" (tag) or "@" (digest), got "${ref}"`);
      return eachContainer(doc, a["container-name"], (c) => {
        const image = c.get("image");
        return typeof image === "string" ? setScalar(c, "image", imageRepository(image) + ref) : false;
      });
    },
  },
  "set-replicas": {
    params: ["replicas"],
    run: (doc, a) => {
      const n = Number(a.replicas);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`replicas must be a whole number ≥ 0, got "${a.replicas}"`);
      if (!SCALABLE.has(String(doc.get("kind")))) return false;
      if (doc.getIn(["spec", "replicas"]) === n) return false;
      doc.setIn(["spec", "replicas"], n);
      return true;
    },
  },
  "get-replicas": {
    params: [],
    readOnly: true,
    run: (doc, _a, output) => {
      if (SCALABLE.has(String(doc.get("kind")))) {
        output.push({
          kind: doc.get("kind"),
          name: doc.getIn(["metadata", "name"]),
          replicas: doc.getIn(["spec", "replicas"]) ?? 1,
        });
      }
      return false;
    },
  },
  "set-env-var": {
    params: ["container-name", "env-var", "env-value"],
    run: (doc, a) =>
      eachContainer(doc, a["container-name"], (c) => {
        let env = c.get("env", true);
        if (!isSeq(env)) {
          c.set("env", doc.createNode([]));
          env = c.get("env", true);
        }
        const list = env as unknown as { items: unknown[]; add: (v: unknown) => void };
        const item = list.items.find((i) => isMap(i) && i.get("name") === a["env-var"]) as YAMLMap | undefined;
        if (!item) {
          list.add(doc.createNode({ name: a["env-var"], value: a["env-value"] }));
          return true;
        }
        if (item.get("value") === a["env-value"] && !item.has("valueFrom")) return false;
        item.delete("valueFrom");
        item.set("value", a["env-value"]);
        return true;
      }),
  },
};

export const FUNCTION_NAMES = Object.keys(FUNCTIONS);

/** Checks an invocation before anything runs: known function, all parameters given. */
export function checkInvocation(inv: FunctionInvocation): Args {
  const fn = FUNCTIONS[inv?.FunctionName];
  if (!fn) throw badRequest(`unknown function "${inv?.FunctionName}" (available: ${FUNCTION_NAMES.join(", ")})`);
  const args: Args = {};
  for (const a of inv.Arguments ?? []) args[a.ParameterName] = String(a.Value);
  for (const p of fn.params) {
    if (args[p] === undefined || args[p] === "") throw badRequest(`${inv.FunctionName}: argument ${p} is required`);
  }
  return args;
}

/** Runs the invocations in order over one unit's data. */
export function runFunctions(data: string, invocations: FunctionInvocation[]): FunctionOutcome {
  const docs = parseAllDocuments(data, MANIFEST_YAML);
  const list = Array.isArray(docs) ? docs : [];
  let mutated = false;
  const output: unknown[] = [];
  for (const inv of invocations) {
    const args = checkInvocation(inv);
    for (const doc of list) if (FUNCTIONS[inv.FunctionName].run(doc, args, output)) mutated = true;
  }
  if (!mutated) return { data, mutated, output };
  const text = list.map((d, i) => {
    const s = String(d);
    return i > 0 && !s.startsWith("---") ? `---\n${s}` : s;
  });
  return { data: text.join(""), mutated, output };
}

export function isReadOnly(invocations: FunctionInvocation[]): boolean {
  return invocations.every((inv) => FUNCTIONS[inv.FunctionName]?.readOnly);
}

function eachContainer(doc: Document, name: string, edit: (c: YAMLMap) => boolean): boolean {
  const specPath = POD_SPEC_PATHS[String(doc.get("kind"))];
  if (!specPath) return false;
  let changed = false;
  for (const field of ["containers", "initContainers"]) {
    const seq = doc.getIn([...specPath, field], true);
    if (!isSeq(seq)) continue;
    for (const c of seq.items) {
      if (isMap(c) && (name === "*" || c.get("name") === name) && edit(c)) changed = true;
    }
  }
  return changed;
}

function setScalar(map: YAMLMap, key: string, value: string): boolean {
  if (map.get(key) === value) return false;
  map.set(key, value);
  return true;
}

/** `ghcr.io/x/backend:1.1.1` → `ghcr.io/x/backend` (tag and digest removed; a registry port stays). */
export function imageRepository(image: string): string {
  const at = image.indexOf("@");
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = noDigest.lastIndexOf(":");
  return colon > noDigest.lastIndexOf("/") ? noDigest.slice(0, colon) : noDigest;
}
