import { stringify } from "yaml";

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user: string;
}

export const SANDBOX_CONTEXT = "drift-detector-sandbox";

/** A self-contained kubeconfig (certificates inline), so it keeps working when copied elsewhere. */
export function renderKubeconfig(k: KubeconfigInput): string {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: SANDBOX_CONTEXT, cluster: { server: k.server, "certificate-authority-data": b64(k.caCert) } }],
    users: [
      { name: k.user, user: { "client-certificate-data": b64(k.clientCert), "client-key-data": b64(k.clientKey) } },
    ],
    contexts: [{ name: SANDBOX_CONTEXT, context: { cluster: SANDBOX_CONTEXT, user: k.user } }],
    "current-context": SANDBOX_CONTEXT,
  });
}
