// A loopback port free at the time of asking: for a listener whose address must be known before it starts (the
// admission webhook's DRIFT_ADMISSION_URL).
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}
