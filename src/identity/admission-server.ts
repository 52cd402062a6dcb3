// The HTTPS endpoint the apiserver calls (POST /validate): each AdmissionReview is reduced to a write, handed on,
// and answered allowed, with its uid, never with a patch. The certificate can be replaced while serving.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { ServingCert } from "./certs.js";
import { allowReview, writeFromReview } from "./review.js";
import type { AdmissionWrite } from "./types.js";

// An object may be 1.5 MiB, and a review carries the old and the new one.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface AdmissionServerOptions {
  listen: { host: string; port: number };
  cert: ServingCert;
  /** Each write seen (kept after the answer is sent: it must not slow the apiserver down). */
  onWrite: (write: AdmissionWrite) => void;
  logger: Logger;
}

export class AdmissionServer {
  private readonly server: Server;

  constructor(private readonly opts: AdmissionServerOptions) {
    this.server = createServer({ cert: opts.cert.certPem, key: opts.cert.keyPem }, (req, res) => {
      if (req.method !== "POST" || req.url?.split("?")[0] !== "/validate") {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"POST /validate only"}');
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on("end", () => {
        let review: unknown;
        try {
          review = size <= MAX_BODY_BYTES ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
        } catch {
          review = undefined;
        }
        const write = writeFromReview(review, Date.now());
        // Always allowed: identity is learnt, never enforced (a request we could not read is allowed too).
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(allowReview(review)));
        if (write) this.opts.onWrite(write);
      });
    });
    this.server.on("tlsClientError", (err) =>
      opts.logger.debug({ err: err.message }, "admission TLS handshake failed"),
    );
  }

  /** Listens; resolves to `https://HOST:PORT`. */
  async start(): Promise<string> {
    const { host, port } = this.opts.listen;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    return `https://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Serves new connections with `cert` from now on. */
  setCert(cert: ServingCert): void {
    this.server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
    this.server.closeIdleConnections(); // the apiserver's next call shakes hands with the new certificate
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // the apiserver keeps its connections alive
    await closed;
  }
}
