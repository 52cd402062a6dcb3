import { request } from "node:https";

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** Only for the controller manager's self-signed health endpoint on loopback. */
  insecure?: boolean;
}

/** GET an https URL; resolves with the status code, or 0 when nothing answers (refused, reset, timeout). */
export function httpsStatus(url: string, tls: TlsClient, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "GET",
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: !tls.insecure,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}
