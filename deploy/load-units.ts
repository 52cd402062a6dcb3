// Loads the drift-detector's own manifests into a hub as units: deploy/overlays/dev into space drift-detector-dev,
// and drift-detector-prod cloned from it with deploy/overlays/prod as prod's own revision (docs/deploy.md,
// "Managing the detector through the hub"). Renders with `kubectl kustomize` (kubectl on the PATH, or --kubectl).
//
//   npx tsx deploy/load-units.ts [--kubectl PATH]
//
// The hub is ours over HTTP when HUB_URL (and HUB_TOKEN) are set, otherwise the embedded store under DRIFT_DATA_DIR
// (default ./data). Then: npx drift-detector hub unit apply --space drift-detector-dev
import { parseArgs } from "node:util";
import { loadSelfUnits } from "../src/demo/load.js";
import { openOwnHub } from "../src/hub/connect.js";

const { values } = parseArgs({ options: { kubectl: { type: "string" } } });
const hub = await openOwnHub();
try {
  const { dev, prod, units } = await loadSelfUnits(hub, import.meta.dirname, { kubectl: values.kubectl });
  console.log(`loaded units ${units.join(", ")} into ${dev} and ${prod} (${hub.description})`);
} catch (err) {
  console.error(`load failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await hub.close();
}
