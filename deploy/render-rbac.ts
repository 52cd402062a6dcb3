// Writes deploy/'s RBAC from the detector's own units (deploy/rbac.ts); test/integration/deploy-rbac.test.ts
// fails when the files differ from what this writes.
//
//   npx tsx deploy/render-rbac.ts --kubeconfig FILE
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderDeployRbac } from "./rbac.js";

const { values } = parseArgs({ options: { kubeconfig: { type: "string" } } });
if (!values.kubeconfig) throw new Error("--kubeconfig FILE is required (a cluster with the ServiceMonitor CRD)");
const rbac = await renderDeployRbac(values.kubeconfig, import.meta.dirname);
await writeFile(join(import.meta.dirname, "rbac/rbac.yaml"), rbac.base);
await writeFile(join(import.meta.dirname, "components/server-mode/rbac-write.yaml"), rbac.server);
console.log("wrote deploy/rbac/rbac.yaml and deploy/components/server-mode/rbac-write.yaml");
