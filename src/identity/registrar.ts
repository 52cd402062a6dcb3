// Keeps one cluster's ValidatingWebhookConfiguration matching the desired kinds and the serving CA (server-side
// apply, only when something changed). The caBundle keeps the other replicas' CAs that are still valid, so
// replicas with generated certificates do not lock each other out.
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.js";
import { KubeApiError } from "../kube/errors.js";
import { errorMessage } from "../lib/errors.js";
import { validCas } from "./certs.js";
import {
  type WatchedScope,
  WEBHOOK_CONFIGURATION_NAME,
  type WebhookTarget,
  webhookConfiguration,
} from "./webhook-config.js";

const PATH = `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK_CONFIGURATION_NAME}`;
const MAX_CAS = 4;

export interface RegistrarOptions {
  client: KubeClient;
  /** The kinds watched in this cluster, and where. */
  scope: () => WatchedScope;
  target: Omit<WebhookTarget, "caBundle" | "selfUsername">;
  logger: Logger;
}

export class WebhookRegistrar {
  private applied?: string;
  private selfUsername?: string | null;

  constructor(private readonly opts: RegistrarOptions) {}

  /** Applies the configuration for `caPem` when the kinds or the CA changed; failures are logged and retried later. */
  async sync(caPem: string): Promise<void> {
    const scope = this.opts.scope();
    if (scope.resources.length === 0) return; // nothing watched yet
    this.selfUsername ??= await this.whoAmI();
    const key = JSON.stringify([
      scope.resources.map((r) => `${r.apiVersion}/${r.plural}`).sort(),
      scope.namespaces,
      caPem,
    ]);
    if (key === this.applied) return;
    try {
      const caBundle = [caPem.trim(), ...(await this.otherCas(caPem))].slice(0, MAX_CAS).join("\n");
      const body = webhookConfiguration(scope, {
        ...this.opts.target,
        caBundle: `${caBundle}\n`,
        selfUsername: this.selfUsername ?? undefined,
      });
      await this.opts.client.request({
        method: "PATCH",
        path: PATH,
        query: { fieldManager: "drift-detector", force: true },
        contentType: "application/apply-patch+yaml",
        body,
      });
      this.applied = key;
      this.opts.logger.info(
        { kinds: scope.resources.length, namespaces: scope.namespaces.length },
        `admission webhook ${WEBHOOK_CONFIGURATION_NAME} registered`,
      );
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, "could not register the admission webhook; retrying");
    }
  }

  /** The valid CAs of the configuration as it stands, other than ours. */
  private async otherCas(caPem: string): Promise<string[]> {
    try {
      const existing = (await this.opts.client.request({ method: "GET", path: PATH })).body as {
        webhooks?: Array<{ clientConfig?: { caBundle?: string } }>;
      };
      const bundle = Buffer.from(existing.webhooks?.[0]?.clientConfig?.caBundle ?? "", "base64").toString("utf8");
      return validCas(bundle, Date.now()).filter((c) => c.trim() !== caPem.trim());
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return [];
      throw err;
    }
  }

  /** The detector's own username (SelfSubjectReview), so that its writes are not sent; null when not told. */
  private async whoAmI(): Promise<string | null> {
    try {
      const res = await this.opts.client.request({
        method: "POST",
        path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
      });
      return (res.body as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username ?? null;
    } catch (err) {
      this.opts.logger.warn(
        { err: errorMessage(err) },
        "cannot learn the detector's own username; its writes are sent too",
      );
      return null;
    }
  }
}
