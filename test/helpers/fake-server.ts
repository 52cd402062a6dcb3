// What the imitated model servers (fake-anthropic.ts, fake-local-model.ts) share: an HTTP server on a free port of
// 127.0.0.1 that answers once a request's whole body has arrived, a queue of replies in front of a default handler,
// and the drift item ids read back from a prompt's <drift_data> block.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Drops open connections too, so that a test's hanging request does not hold the close. */
  close(): Promise<void>;
}

/** Serves `answer` on 127.0.0.1 (a free port), called with each request's whole body. */
export async function serveLocally(
  answer: (req: IncomingMessage, res: ServerResponse, rawBody: string) => Promise<void> | void,
): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => answer(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits `ms` (a slow server); false when the client gave up meanwhile, so there is no one left to answer. */
export async function stillThereAfter(ms: number, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  await new Promise((r) => setTimeout(r, ms));
  return !(res.destroyed || req.socket.destroyed);
}

/** Replies used in order, one per request (a reply or a handler making one); when none is left, `fallback` answers. */
export function replyQueue<Request, Reply extends object>(fallback: (req: Request) => Reply | Promise<Reply>) {
  const queue: Array<Reply | ((req: Request) => Reply | Promise<Reply>)> = [];
  return {
    enqueue: (...replies: typeof queue) => {
      queue.push(...replies);
    },
    next: async (req: Request): Promise<Reply> => {
      const next = queue.shift() ?? fallback;
      return typeof next === "function" ? await next(req) : next;
    },
  };
}

/** The drift item ids in the <drift_data> block of a prompt (none when there is no block or it is not JSON). */
export function driftDataIds(prompt: unknown): string[] {
  const m = /<drift_data[^>]*>\s*([\s\S]*?)\s*<\/drift_data>/.exec(typeof prompt === "string" ? prompt : "");
  if (!m) return [];
  try {
    return (JSON.parse(m[1]) as Array<{ id: string }>).map((i) => i.id);
  } catch {
    return [];
  }
}
