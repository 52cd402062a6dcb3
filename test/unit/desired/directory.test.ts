import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectorySource, parseManifests } from "../../../src/desired/directory.js";
import { openSource, SourceSpecError } from "../../../src/desired/open.js";
import { SourceUnavailableError } from "../../../src/desired/source.js";

describe("parseManifests", () => {
  it("reads every document, skips empty ones and numbers documents from 1", () => {
    const text = [
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1'}",
      "",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: qa}",
    ].join("\n---\n");
    const { objects, errors } = parseManifests(text, "m.yaml");
    expect(errors).toEqual([]);
    expect(objects.map((o) => [o.ref, o.source])).toEqual([
      [
        { apiVersion: "v1", kind: "ConfigMap", name: "a" },
        { type: "file", path: "m.yaml", document: 1 },
      ],
      [
        { apiVersion: "apps/v1", kind: "Deployment", name: "b", namespace: "qa" },
        { type: "file", path: "m.yaml", document: 3 },
      ],
    ]);
  });

  it("keeps every value as parsed: a shared anchor stays one value, numbers stay non-finite and negative zero", () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: a, labels: &shared {app: web}, annotations: *shared}",
      "data: {inf: .inf, nan: .nan, zero: -0.0}",
    ].join("\n");
    const [desired] = parseManifests(text, "m.yaml").objects;
    const { metadata, data } = desired!.object as unknown as {
      metadata: { labels: object; annotations: object };
      data: Record<string, number>;
    };
    expect(metadata.annotations).toBe(metadata.labels);
    expect(data.inf).toBe(Number.POSITIVE_INFINITY);
    expect(data.nan).toBeNaN();
    expect(Object.is(data.zero, -0)).toBe(true);
  });

  it("reports a broken document with file, document and position, and keeps the others", () => {
    const text =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: [unclosed\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
    const { objects, errors } = parseManifests(text, "dir/bad.yaml");
    expect(objects.map((o) => o.ref.name)).toEqual(["a", "s"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.source).toEqual({ type: "file", path: "dir/bad.yaml", document: 2 });
    expect(errors[0]!.error).toMatch(
      /^dir\/bad\.yaml document 2 \(from line 5\): invalid YAML at line \d+, column \d+: \S.*[^:]$/,
    );
  });

  it("names what a document lacks", () => {
    const { objects, errors } = parseManifests(
      "kind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {}}\n---\n- 1\n",
      "x.yaml",
    );
    expect(objects).toEqual([]);
    expect(errors.map((e) => e.error)).toEqual([
      "x.yaml document 1: missing apiVersion",
      "x.yaml document 2: missing metadata.name",
      "x.yaml document 3: expected a Kubernetes object, found a list",
    ]);
    expect(errors[0]!.ref).toEqual({ kind: "ConfigMap", name: "a" });
  });

  it("expands List kinds into their items", () => {
    const { objects, errors } = parseManifests(
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
          { apiVersion: "v1", kind: "ConfigMap", metadata: {} },
        ],
      }),
      "l.json",
    );
    expect(objects.map((o) => o.ref.name)).toEqual(["a"]);
    expect(errors.map((e) => e.error)).toEqual(["l.json document 1 item 2: missing metadata.name"]);
  });
});

describe("DirectorySource", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-src-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("searches recursively for yaml, yml and json, in a stable order, ignoring other files", async () => {
    await mkdir(join(dir, "b", "c"), { recursive: true });
    await mkdir(join(dir, ".git"));
    await writeFile(join(dir, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
    await writeFile(join(dir, "b", "c", "d.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n");
    await writeFile(join(dir, "b", "e.json"), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"e"}}');
    await writeFile(join(dir, "b", "notes.txt"), "kind: nope");
    await writeFile(join(dir, ".git", "x.yaml"), "kind: nope");
    const snap = await new DirectorySource(dir).load();
    expect(snap.errors).toEqual([]);
    expect(snap.objects.map((o) => o.ref.name)).toEqual(["a", "d", "e"]);
    expect(snap.objects[1]!.source).toEqual({ type: "file", path: join(dir, "b", "c", "d.yml"), document: 1 });

    const again = await new DirectorySource(dir).load();
    expect(again.version).toBe(snap.version);
    await writeFile(join(dir, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a2}\n");
    expect((await new DirectorySource(dir).load()).version).not.toBe(snap.version);
  });

  it("reports a symlink loop in one line, does not follow it, and still reads the rest", async () => {
    await mkdir(join(dir, "app", "nested"), { recursive: true });
    await writeFile(join(dir, "app", "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
    await writeFile(join(dir, "app", "nested", "b.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
    await symlink(dir, join(dir, "app", "nested", "up")); // back to the root
    await symlink(join(dir, "app", "nested"), join(dir, "app", "nested", "self"));
    await symlink("me.yaml", join(dir, "me.yaml")); // a link to itself: ELOOP
    await symlink(join(dir, "app"), join(dir, "z-shared")); // not a loop: read once more through the link
    const snap = await new DirectorySource(dir).load();
    expect(snap.objects.map((o) => o.source.type === "file" && o.source.path)).toEqual([
      join(dir, "app", "a.yaml"),
      join(dir, "app", "nested", "b.yaml"),
      join(dir, "z-shared", "a.yaml"),
      join(dir, "z-shared", "nested", "b.yaml"),
    ]);
    expect(snap.errors.map((e) => e.error)).toEqual([
      `symlink loop: ${join(dir, "app", "nested", "self")} leads back to ${join(dir, "app", "nested")}, not followed`,
      `symlink loop: ${join(dir, "app", "nested", "up")} leads back to ${dir}, not followed`,
      `cannot read ${join(dir, "me.yaml")}: symlink loop`,
      `symlink loop: ${join(dir, "z-shared", "nested", "self")} leads back to ${join(dir, "app", "nested")}, not followed`,
      `symlink loop: ${join(dir, "z-shared", "nested", "up")} leads back to ${dir}, not followed`,
    ]);
  });

  it("reads a single file", async () => {
    const file = join(dir, "one.yaml");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n");
    const snap = await new DirectorySource(file).load();
    expect(snap.objects.map((o) => o.ref.name)).toEqual(["one"]);
  });

  it("fails as a whole when the path does not exist", async () => {
    await expect(new DirectorySource(join(dir, "nope")).load()).rejects.toThrow(SourceUnavailableError);
    await expect(new DirectorySource(join(dir, "nope")).load()).rejects.toThrow(/no such file or directory/);
  });
});

describe("openSource", () => {
  it("opens directories and refuses unknown prefixes with one clear message", async () => {
    expect((await openSource("./manifests")).description).toBe("./manifests");
    await expect(openSource("s3:bucket")).rejects.toThrow(SourceSpecError);
    await expect(openSource("s3:bucket")).rejects.toThrow(/unknown source type "s3:"/);
    await expect(openSource("  ")).rejects.toThrow(/--source is empty/);
  });
});

describe("YAML 1.1, as kubectl reads manifests", () => {
  it("reads 0644 as octal and unquoted on/yes as booleans, quoted ones as strings", () => {
    const { objects } = parseManifests(
      'apiVersion: v1\nkind: X\nmetadata: {name: a}\nspec: {mode: 0644, dec: 644, on1: on, yes1: yes, s: "on"}\n',
      "y.yaml",
    );
    expect(objects[0]!.object.spec).toEqual({ mode: 420, dec: 644, on1: true, yes1: true, s: "on" });
  });
});
