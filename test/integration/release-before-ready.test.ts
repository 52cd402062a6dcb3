// The start-up's garbage is collected before the service reports ready, so no first change after a rollout waits for
// that collection's pause (450–700 ms at 100,000 objects): /readyz stays 503 while it runs, 200 once it is done.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningService, startService } from "../../src/service/service.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { quietSink, testRunSettings, until } from "../helpers/service-run.js";

type Gc = (options: unknown) => Promise<void>;
const globals = globalThis as { gc?: Gc };
const realGc = globals.gc;

let work: string;
let ns: TestNamespace;
let service: RunningService | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "release-ready-"));
  ns = await createTestNamespace(loadKubeConfig(), "release-ready");
});

afterAll(async () => {
  await service?.stop();
  globals.gc = realGc;
  await ns?.delete();
  if (work) rmSync(work, { recursive: true, force: true });
});

it("is not ready while the first full detection's garbage is being released", async () => {
  const source = join(work, "src");
  mkdirSync(source);
  writeFileSync(join(source, "objects.yaml"), modeConfigMap(ns.name, "held", "declared"));
  kubectlIn(ns.name, "apply", "--server-side", "-f", join(source, "objects.yaml"));

  // The collection the service asks for, held until the test lets it finish.
  let finish: (() => void) | undefined;
  let calls = 0;
  globals.gc = () => {
    calls++;
    return calls === 1 ? new Promise<void>((r) => (finish = r)) : Promise.resolve();
  };
  service = await startService({
    env: {},
    logDestination: quietSink() as never,
    settings: testRunSettings({ source, dataDir: join(work, "data"), analysis: "off", sourcePoll: "1h" }),
  });
  const readyz = async () => (await fetch(`${service!.address}/readyz`)).status;
  await until("the first release", async () => calls === 1, 30_000);
  expect(await readyz()).toBe(503);
  await new Promise((r) => setTimeout(r, 500));
  expect(await readyz()).toBe(503);
  finish!();
  await until("readiness", async () => (await readyz()) === 200, 10_000);
});
