import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectorySource, parseManifests } from "../../../src/desired/directory.js";
import { MAX_SOURCES, manifestCachePath } from "../../../src/desired/manifest-cache.js";

let dir: string;
let src: string;
let cacheDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-cache-"));
  src = join(dir, "src");
  cacheDir = join(dir, "cache");
  await mkdir(src);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: qa}\ndata: {mode: on, perm: 0644}\n";
const DEPLOYMENT =
  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    spec: {containers: [{name: c, image: 'nginx:1.27', ports: [{containerPort: 0x50}]}]}\n";

const cached = () => new DirectorySource(src, { cacheDir }).load();
const uncached = () => new DirectorySource(src).load();
const cacheFile = () => manifestCachePath(src, cacheDir);
const entries = async () =>
  JSON.parse(await readFile(cacheFile(), "utf8")).entries as Record<string, Array<{ object: unknown }>>;

describe("the manifest cache of a directory source", () => {
  it("reads back exactly what the parser reads, from the cache on the second load", async () => {
    await writeFile(join(src, "a.yaml"), `${CONFIGMAP}---\n${DEPLOYMENT}`);
    await writeFile(
      join(src, "list.yaml"),
      `apiVersion: v1\nkind: List\nitems:\n- ${CONFIGMAP.replaceAll("\n", "\n  ")}`,
    );
    const first = await cached();
    const second = await cached();
    expect(first).toStrictEqual(await uncached());
    expect(second).toStrictEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(await uncached()));

    // Proof that the second load came from the cache: a value planted in it comes back.
    const file = JSON.parse(await readFile(cacheFile(), "utf8"));
    for (const objects of Object.values(file.entries) as Array<Array<{ object: { metadata: object } }>>) {
      for (const o of objects) o.object.metadata = { ...o.object.metadata, planted: true };
    }
    await writeFile(cacheFile(), JSON.stringify(file));
    const planted = await cached();
    expect(planted.objects.every((o) => (o.object.metadata as { planted?: boolean }).planted)).toBe(true);
  });

  it("misses when a file changes, and keeps only the files read", async () => {
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    await writeFile(join(src, "b.yaml"), DEPLOYMENT);
    await cached();
    expect(Object.keys(await entries())).toHaveLength(2);
    await writeFile(join(src, "a.yaml"), CONFIGMAP.replace("name: a", "name: renamed"));
    await rm(join(src, "b.yaml"));
    const snap = await cached();
    expect(snap.objects.map((o) => o.ref.name)).toEqual(["renamed"]);
    expect(snap).toStrictEqual(await uncached());
    const kept = await entries();
    expect(
      Object.values(kept).map((objects) =>
        objects.map((o) => (o.object as { metadata: { name: string } }).metadata.name),
      ),
    ).toEqual([["renamed"]]);
  });

  it("treats a corrupt, foreign or unreadable cache file as empty and rewrites it", async () => {
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    const expected = await uncached();
    await mkdir(join(cacheFile(), ".."), { recursive: true });
    for (const bad of ["{not json", JSON.stringify({ reader: "0/old", entries: { x: [] } }), "[]", '{"entries":7}']) {
      await writeFile(cacheFile(), bad);
      expect(await cached()).toStrictEqual(expected);
      expect(Object.keys(await entries())).toHaveLength(1);
    }
  });

  it("never stores a Secret or a value that looks like a credential", async () => {
    const secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2-very-secret}\n";
    const credential =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\ndata: {url: 'postgres://app:pw-in-clear@db:5432/app'}\n";
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    await writeFile(join(src, "secret.yaml"), secret);
    await writeFile(
      join(src, "in-list.yaml"),
      `apiVersion: v1\nkind: List\nitems:\n- ${secret.replaceAll("\n", "\n  ")}`,
    );
    await writeFile(join(src, "credential.yaml"), credential);
    const snap = await cached();
    expect(snap.objects).toHaveLength(4);
    expect(snap).toStrictEqual(await uncached());
    const text = await readFile(cacheFile(), "utf8");
    expect(Object.keys(JSON.parse(text).entries)).toHaveLength(1);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("pw-in-clear");
    expect(await cached()).toStrictEqual(snap);
  });

  it("parses every time what JSON cannot carry exactly, and files with errors", async () => {
    const files = {
      "nan.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-a-number}\nx: .nan\ny: -.inf\n",
      "zero.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: z}\nx: -0\n",
      "binary.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\nx: !!binary aGVsbG8=\n",
      "set.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\nx: !!set {a, b}\n",
      "alias.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: al, labels: &l {app: x}}\nspec: {selector: *l}\n",
      "broken.yaml": `${CONFIGMAP}---\nkind: [unclosed\n`,
      "scalar.yaml": "just a string\n",
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(src, name), text);
    const first = await cached();
    expect(first).toStrictEqual(await uncached());
    expect(first.errors.length).toBe(2);
    expect(await cached()).toStrictEqual(first);
    const alias = first.objects.find((o) => o.ref.name === "al")!.object as Record<string, { selector?: unknown }>;
    expect(alias.spec!.selector).toBe((alias.metadata as { labels: unknown }).labels);
    expect(await readdir(join(cacheDir, "manifests")).catch(() => [])).toEqual([]);
  });

  it("keeps the cache the user's alone: 0600 files in a 0700 directory", async () => {
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    await mkdir(join(cacheDir, "manifests"), { recursive: true, mode: 0o755 });
    await chmod(join(cacheDir, "manifests"), 0o755);
    await cached();
    expect((await stat(join(cacheDir, "manifests"))).mode & 0o777).toBe(0o700);
    expect((await stat(cacheFile())).mode & 0o777).toBe(0o600);
  });

  it("remembers a bounded number of source directories, dropping the least recently written", async () => {
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    const manifests = join(cacheDir, "manifests");
    await mkdir(manifests, { recursive: true });
    for (let i = 0; i < MAX_SOURCES + 3; i++) {
      await writeFile(join(manifests, `old-${i}.json`), "{}");
      await utimes(join(manifests, `old-${i}.json`), 1000 + i, 1000 + i);
    }
    await cached();
    const left = await readdir(manifests);
    expect(left).toHaveLength(MAX_SOURCES);
    expect(left).toContain(basename(cacheFile()));
    expect(left).not.toContain("old-0.json");
    expect(left).toContain(`old-${MAX_SOURCES + 2}.json`);
  });

  it("reads without a cache when the cache directory cannot be written", async () => {
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    await writeFile(cacheDir, "a file where the directory should be");
    expect(await cached()).toStrictEqual(await uncached());
  });

  it("keys entries by path: the same bytes in two files keep their own provenance", async () => {
    await writeFile(join(src, "a.yaml"), CONFIGMAP);
    await writeFile(join(src, "b.yaml"), CONFIGMAP);
    await cached();
    const snap = await cached();
    expect(snap.objects.map((o) => o.source)).toEqual([
      { type: "file", path: join(src, "a.yaml"), document: 1 },
      { type: "file", path: join(src, "b.yaml"), document: 1 },
    ]);
    expect(parseManifests(CONFIGMAP, join(src, "b.yaml")).objects).toStrictEqual([snap.objects[1]]);
  });
});
