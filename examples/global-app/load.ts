// Loads global-app into a hub: space <prefix>-base with the units of base/, and qa, staging, prod cloned down the
// chain with the overrides of environments.yaml (what `drift-detector demo` does as one of its steps).
//
//   npx tsx examples/global-app/load.ts [--prefix acorn-bear]
//
// The hub is ours over HTTP when HUB_URL (and HUB_TOKEN) are set, e.g. a running `drift-detector hub serve`;
// otherwise the embedded store under DRIFT_DATA_DIR (default ./data). Then deliver an environment with
//   npx drift-detector hub unit apply --space <prefix>-qa
import { parseArgs } from "node:util";
import { loadExampleApp } from "../../src/demo/environments.js";
import { loadApp } from "../../src/demo/load.js";
import { randomPrefix } from "../../src/demo/prefix.js";
import { openOwnHub } from "../../src/hub/connect.js";

const { values } = parseArgs({ options: { prefix: { type: "string" } } });
const prefix = values.prefix ?? randomPrefix();
const hub = await openOwnHub();
try {
  const app = await loadExampleApp(import.meta.dirname);
  const { spaces } = await loadApp(hub, prefix, { name: "global-app", ...app }, { log: (line) => console.log(line) });
  console.log(`loaded global-app into ${hub.description}: ${spaces.join(", ")}`);
} catch (err) {
  console.error(`load failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await hub.close();
}
