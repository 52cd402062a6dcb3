import type { z } from "zod";

/** A zod failure as one line for a 400 answer. */
export function describeZod(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
}
