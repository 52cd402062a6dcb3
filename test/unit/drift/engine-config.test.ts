// The global engine configuration: parsing, one-line errors naming the file and the place, the service's merge and
// reload.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadEngineConfigFile } from "../../../src/detection/engine-config-file.js";
import { ServiceEngineConfig } from "../../../src/detector/engine-config.js";
import { EngineConfigError, parseEngineConfig } from "../../../src/drift/config.js";
import type { IgnoreRule } from "../../../src/drift/engine.js";

describe("parseEngineConfig", () => {
  it("maps the file's sections to engine options", () => {
    const config = parseEngineConfig({
      ignore: [{ paths: ["/spec/replicas"], kinds: ["Deployment"], namespaces: ["batch-*"] }],
      imperativeManagers: ["kubectl*", "!kubectl-client-side-apply", "k9s"],
      severity: [{ path: "/metadata/annotations/*", severity: "medium" }],
    });
    expect(config).toEqual({
      ignoreRules: [{ paths: ["/spec/replicas"], kinds: ["Deployment"], namespaces: ["batch-*"] }],
      imperativeManagers: ["kubectl*", "!kubectl-client-side-apply", "k9s"],
      severityRules: [{ path: "/metadata/annotations/*", severity: "medium" }],
    });
  });

  it("takes an empty document as no configuration", () => {
    expect(parseEngineConfig(null)).toEqual({});
    expect(parseEngineConfig({ ignore: [], severity: [] })).toEqual({});
  });

  it.each([
    [{ ignore: [{ paths: ["spec/replicas"] }] }, "cfg: at ignore.0.paths.0: a JSON Pointer starts with /"],
    [{ severity: [{ path: "/spec", severity: "urgent" }] }, "cfg: at severity.0.severity:"],
    [{ ignores: [] }, 'cfg: Unrecognized key: "ignores" (allowed: ignore, imperativeManagers, severity)'],
    [{ ignore: [{ path: ["/a"] }] }, "(allowed: paths, managers, kinds, namespaces, names, matchLabels, reason)"],
    [{ severity: [{ paths: ["/a"], severity: "low" }] }, "(allowed: kind, path, severity)"],
    [{ imperativeManagers: [] }, "cfg: at imperativeManagers:"],
    [["a"], "cfg: "],
  ])("rejects %j with one message naming the place", (input, message) => {
    const err = (() => {
      try {
        parseEngineConfig(input, "cfg");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EngineConfigError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain("\n");
  });

  it("names the allowed severities", () => {
    expect(() => parseEngineConfig({ severity: [{ path: "/spec", severity: "urgent" }] })).toThrow(
      /critical.*high.*medium.*low/,
    );
  });
});

describe("configuration files", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-config-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names the file for a missing file, bad YAML and a bad rule", async () => {
    const missing = join(dir, "none.yaml");
    await expect(loadEngineConfigFile(missing)).rejects.toThrow(`cannot read the configuration file ${missing}`);
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "ignore: [unclosed\n");
    await expect(loadEngineConfigFile(bad)).rejects.toThrow(`configuration file ${bad} is not valid YAML`);
    await writeFile(bad, "ignore:\n  - paths: [spec]\n");
    await expect(loadEngineConfigFile(bad)).rejects.toThrow(`configuration file ${bad}: at ignore.0.paths.0`);
  });

  it("the service merges file and store rules, re-reads the file and keeps the last good one", async () => {
    const file = join(dir, "config.yaml");
    await writeFile(file, "ignore:\n  - paths: [/spec/replicas]\nimperativeManagers: [k9s]\n");
    const config = new ServiceEngineConfig(file, pino({ enabled: false }));
    await config.load();
    const store: { ignoreRules: IgnoreRule[] } = { ignoreRules: [{ paths: ["/data"], names: ["x"] }] };
    config.storeRules = store;
    const first = config.engine.ignoreRules;
    expect(first).toEqual([{ paths: ["/spec/replicas"] }, { paths: ["/data"], names: ["x"] }]);
    expect(config.engine.ignoreRules).toBe(first); // same array while nothing changed: compiled once
    expect({ ...config.engine }.imperativeManagers).toEqual(["k9s"]);

    store.ignoreRules = [...store.ignoreRules, { paths: ["/spec/template"] }];
    expect(config.engine.ignoreRules).toHaveLength(3);

    await writeFile(file, "severity:\n  - {path: /data, severity: critical}\n");
    await config.reload();
    expect(config.engine.ignoreRules).toEqual(store.ignoreRules);
    expect(config.engine.severityRules).toEqual([{ path: "/data", severity: "critical" }]);
    expect(config.engine.imperativeManagers).toBeUndefined();

    await writeFile(file, "severity: nonsense\n");
    await config.reload();
    expect(config.engine.severityRules).toEqual([{ path: "/data", severity: "critical" }]);
  });

  it("the service takes a missing file as the defaults (optional ConfigMap) and reads it once it appears", async () => {
    const file = join(dir, "later.yaml");
    const config = new ServiceEngineConfig(file, pino({ enabled: false }));
    await config.load();
    expect({ ...config.engine }).toEqual({ ignoreRules: [], imperativeManagers: undefined, severityRules: undefined });
    await writeFile(file, "imperativeManagers: [helm]\n");
    await config.reload();
    expect(config.engine.imperativeManagers).toEqual(["helm"]);
  });

  it("refuses to start with a bad file", async () => {
    const file = join(dir, "config.yaml");
    await writeFile(file, "imperativeManagers: kubectl\n");
    await expect(new ServiceEngineConfig(file, pino({ enabled: false })).load()).rejects.toThrow(
      `configuration file ${file}: at imperativeManagers:`,
    );
  });
});
