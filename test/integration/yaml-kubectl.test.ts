// Every source reads YAML exactly as kubectl does (src/lib/manifest-yaml.ts): a manifest full of YAML 1.1 traps is
// applied with the sandbox's kubectl, and what the directory source, our hub (over HTTP) and ConfigHub (its stand-in)
// read from the same text must equal what kubectl sent and what the apiserver stored; `check` then finds no drift.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { runCheck } from "../../src/cli/commands/check.js";
import { loadSnapshot } from "../../src/desired/open.js";
import type { KubeObject } from "../../src/drift/types.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { ConfigHubStandin } from "../helpers/confighub-standin.js";
import { crdWith } from "../helpers/crd.js";
import { kubectlWithInput as kubectl, kubeTest } from "../helpers/kube.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

// A group of its own per run: the CRD of an earlier run may still be terminating.
const GROUP = `yaml-traps-${randomBytes(3).toString("hex")}.drift-detector.test`;

// Each line a value that YAML 1.1 (kubectl) and YAML 1.2 read differently, or that a 1.1 reader might still get
// wrong (sexagesimal numbers and timestamps, which go-yaml v2 leaves as strings).
const TRAPS = `apiVersion: ${GROUP}/v1
kind: Trap
metadata:
  name: traps
spec:
  on: key-on
  n: key-n
  0644: key-octal
  switchOn: on
  switchOff: off
  answerYes: yes
  answerNo: no
  shortY: y
  shortN: n
  capitalYes: Yes
  upperOff: OFF
  mode: 0644
  modeUnderscore: 0_644
  modeGo: 0o14
  hex: 0x1F
  hexUpper: 0X1F
  hexUnderscore: 0xff_ff
  negativeHex: -0x1A
  binary: 0b101
  thousand: 1_000
  floatUnderscore: 1_000.5
  exponent: 1e3
  plus: +12
  notOctal: 08
  leadingDot: .5
  trailingDot: 1.
  time: 12:30
  longTime: 1:20:30
  nothing: ~
  date: 2024-01-15
  dateTime: 2001-12-14t21:59:43.10-05:00
  spacedDateTime: 2024-01-15 10:00:00
  quotedMode: "0644"
  quotedOn: 'on'
  taggedMode: !!str 0644
  base: &base {k1: v1}
  merged:
    <<: *base
    k2: v2
`;

describe("manifest YAML is read as kubectl reads it", { timeout: 300_000 }, () => {
  let store: TestStore;
  let hub: RunningHub;
  let confighub: ConfigHubStandin;
  let dir: string;
  const saved = {
    HUB_URL: process.env.HUB_URL,
    HUB_TOKEN: process.env.HUB_TOKEN,
    CUB_SERVER: process.env.CUB_SERVER,
    CUB_TOKEN: process.env.CUB_TOKEN,
  };

  beforeAll(async () => {
    kubectl(
      ["apply", "-f", "-"],
      JSON.stringify(
        crdWith(GROUP, "traps", "Trap", {
          type: "object",
          properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        }),
      ),
    );
    kubectl(["wait", "--for=condition=Established", `crd/traps.${GROUP}`, "--timeout=60s"]);
    store = await openTestStore("pglite");
    hub = await startHubServer({ db: store.db, listen: "127.0.0.1:0", token: "yaml-traps" });
    process.env.HUB_URL = hub.url;
    process.env.HUB_TOKEN = hub.token;
    confighub = await new ConfigHubStandin().start();
    process.env.CUB_SERVER = confighub.url;
    process.env.CUB_TOKEN = confighub.token;
    dir = await mkdtemp(join(tmpdir(), "dd-yaml-"));
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await hub?.close();
    await confighub?.close();
    await store?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
    kubectl(["delete", "crd", `traps.${GROUP}`, "--ignore-not-found", "--wait=false"]);
  });

  kubeTest(
    "directory, hub and ConfigHub sources equal kubectl's read and the apiserver's object",
    async ({ namespace }) => {
      const sent = JSON.parse(kubectl(["create", "--dry-run=client", "-o", "json", "-f", "-"], TRAPS)) as KubeObject;
      kubectl(["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`], TRAPS);
      const stored = JSON.parse(kubectl(["get", `traps.${GROUP}`, "traps", "-o", "json", `--namespace=${namespace}`]));
      expect(stored.spec).toEqual(sent.spec);
      expect(sent.spec).toMatchObject({
        true: "key-on",
        false: "key-n",
        420: "key-octal",
        switchOn: true,
        mode: 420,
        time: "12:30",
      });

      await writeFile(join(dir, "traps.yaml"), TRAPS);
      const hubClient = new ConfigHubClient({ url: hub.url, token: hub.token });
      const space = `traps-${namespace}`;
      await hubClient.createSpace({ Slug: space });
      await hubClient.createUnit(space, { Slug: "traps", Data: TRAPS });
      confighub.addSpace(space);
      confighub.addUnit(space, "traps", [TRAPS], 1);

      for (const source of [dir, `hub:${space}`, `confighub:${space}`]) {
        const snapshot = await loadSnapshot(source, { revision: "head" });
        expect(snapshot.errors).toEqual([]);
        expect(snapshot.objects).toHaveLength(1);
        expect(snapshot.objects[0]!.object.spec, source).toEqual(sent.spec);

        for (const mode of ["server", "client"] as const) {
          const { report } = await runCheck({
            source,
            revision: "head",
            kubeconfig: inject("kubeconfig"),
            namespace,
            mode,
            output: "json",
          });
          expect(report.resources[0]?.changes ?? [], `${source} ${mode}`).toEqual([]);
          expect(report.summary, `${source} ${mode}`).toMatchObject({ resources: 1, inSync: 1, drifted: 0 });
        }
      }
    },
  );
});
