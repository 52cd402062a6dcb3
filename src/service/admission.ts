// DRIFT_IDENTITY=admission in `run`: the webhook starts before the clusters (each registers it as it starts).
import type { Logger } from "pino";
import type { Shutdown } from "../app/shutdown.js";
import { AdmissionIdentity, type AdmissionIdentityOptions } from "../identity/admission.js";
import type { Database } from "../store/database.js";
import type { RunSettings } from "./settings.js";

export async function startAdmission(
  settings: RunSettings,
  db: Database | undefined,
  logger: Logger,
  shutdown: Shutdown,
  tuning?: AdmissionIdentityOptions["tuning"],
): Promise<AdmissionIdentity | undefined> {
  if (settings.identity !== "admission") return undefined;
  const admission = new AdmissionIdentity({
    listen: settings.admissionListen,
    url: settings.admissionUrl,
    certDir: settings.admissionCertDir,
    db,
    namespace: settings.leaseNamespace ?? "default",
    logger: logger.child({ component: "admission" }),
    tuning,
  });
  await admission.start();
  shutdown.add("stop the admission webhook", () => admission.stop());
  return admission;
}
