// `drift-detector check --source confighub:SPACE` as a ConfigHub user runs it (CUB_SERVER + CUB_TOKEN, what `cub`
// hands its plugins), against the real sandbox and a stand-in answering as ConfigHub's spec says.
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { cli } from "../helpers/cli.js";
import { ConfigHubStandin } from "../helpers/confighub-standin.js";
import { kubectlWithInput as kubectl, kubeTest } from "../helpers/kube.js";
import { LOG_LEVEL_SETTINGS } from "../helpers/manifests.js";

const RELEASED = LOG_LEVEL_SETTINGS;
const HEAD = LOG_LEVEL_SETTINGS.replace("LOG_LEVEL: info", "LOG_LEVEL: debug");

describe("check --source confighub:", { timeout: 300_000 }, () => {
  let hub: ConfigHubStandin;
  beforeAll(async () => {
    hub = await new ConfigHubStandin().start();
  });
  afterAll(async () => {
    await hub?.close();
  });

  kubeTest(
    "a unit released behind head compares with its released revision; --revision head with head",
    async ({ namespace }) => {
      const space = `prod-${namespace}`;
      hub.addSpace(space);
      hub.addUnit(space, "settings", [RELEASED, HEAD], 1);
      kubectl(["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`], RELEASED);
      const env = { ...process.env, CUB_SERVER: hub.url, CUB_TOKEN: hub.token };
      const args = ["check", "--source", `confighub:${space}`, "--kubeconfig", inject("kubeconfig")];
      const released = await cli([...args, "--namespace", namespace, "--output", "json"], env);
      expect(released.code).toBe(0);
      const report = JSON.parse(released.stdout);
      expect(report.summary).toMatchObject({ resources: 1, inSync: 1 });
      expect(report.resources[0].source).toMatchObject({ type: "confighub", space, unit: "settings", revision: 1 });

      const head = await cli([...args, "--namespace", namespace, "--output", "json", "--revision", "head"], env);
      expect(head.code).toBe(1);
      expect(JSON.parse(head.stdout).resources[0]).toMatchObject({ status: "Drifted", source: { revision: 2 } });

      // A rejected token: one line that says what to do, exit 2.
      const rejected = await cli([...args, "--namespace", namespace], { ...env, CUB_TOKEN: "expired" });
      expect(rejected.code).toBe(2);
      expect(rejected.stderr.trim().split("\n").at(-1)).toMatch(
        new RegExp(`^drift-detector: confighub:${space}: ${hub.url} rejected the token .*: run \`cub auth login\`$`),
      );
      expect(rejected.stderr).not.toMatch(/TypeError|\n\s+at /);
      expect(hub.problems).toEqual([]);
    },
  );
});
