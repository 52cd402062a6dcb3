// How every source reads (and writes) manifest YAML: exactly as kubectl does, because what a user applies with
// kubectl is what lands in the cluster. kubectl converts YAML with sigs.k8s.io/yaml (go-yaml v2): YAML 1.1 scalars
// (`on`/`yes`/`y` are booleans, `0644` is 420), integers read by Go's base-0 rules after dropping every `_`
// (`0o14`, `0X1F`, `0b101`), but no sexagesimal numbers (`12:30` stays a string) and timestamps kept as strings.
// Measured against the sandbox's kubectl and apiserver: test/integration/yaml-kubectl.test.ts.
import type { ScalarTag, SchemaOptions } from "yaml";

/**
 * The version of how manifests read (this file, and src/desired/directory.ts parseManifests): bump it with any change
 * to either, as `check` keeps parsed files under it (src/desired/manifest-cache.ts; the yaml library's own version
 * is part of that key already).
 */
export const MANIFEST_READER = 1;

type Tags = Extract<NonNullable<SchemaOptions["customTags"]>, unknown[]>;

// Go's base-0 integer prefixes the yaml 1.1 schema lacks or spells in lower case only.
const GO_PREFIXED_INT = /^([-+]?)0([oObBxX])([0-9a-fA-F_]+)$/;
const RADIX: Record<string, number> = { o: 8, b: 2, x: 16 };

const goPrefixedInt: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: GO_PREFIXED_INT,
  resolve(source: string): number | string {
    const [, sign, base, digits] = GO_PREFIXED_INT.exec(source) ?? [];
    const radix = RADIX[(base ?? "").toLowerCase()] ?? 10;
    const clean = (digits ?? "").replaceAll("_", "");
    const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 16: /^[0-9a-fA-F]+$/ }[radix];
    if (!valid?.test(clean)) return source;
    const n = Number.parseInt(clean, radix);
    return sign === "-" ? -n : n;
  },
};

function kubectlTags(tags: Tags): Tags {
  const kept = tags.filter(
    (t) => typeof t === "string" || (t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME"),
  );
  return [...kept, goPrefixedInt];
}

/** Options for parse, parseAllDocuments, Composer and stringify: manifests as kubectl reads them. */
export const MANIFEST_YAML = { version: "1.1", customTags: kubectlTags } as const;
