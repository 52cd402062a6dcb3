// Which environment a drift lives in: production leans every verdict towards reverting to the declared state.
import type { AnalysisRequest } from "../types.js";

const PROD = /^(prod|production|prd|live)$/i;
const PROD_IN_NAME = /(^|[-_.])(prod|production|prd)($|[-_.])/i;
const ENV_LABELS = ["env", "environment", "stage", "tier"];

export interface Environment {
  /** e.g. "prod", "qa"; undefined when nothing says. */
  name: string | undefined;
  isProd: boolean;
}

export function environmentOf(req: AnalysisRequest): Environment {
  const ctx = req.context;
  if (ctx?.environment) return { name: ctx.environment, isProd: PROD.test(ctx.environment) };
  const labels = ctx?.unit?.spaceLabels ?? {};
  for (const key of ENV_LABELS) {
    const v = labels[key];
    if (v) return { name: v, isProd: PROD.test(v) };
  }
  // no label: fall back to names (space slug like acorn-bear-prod, namespace like prod or shop-prod)
  const source = req.result.source;
  const names = [ctx?.unit?.space, source.type === "file" ? undefined : source.space, req.result.ref.namespace];
  for (const n of names) if (n && PROD_IN_NAME.test(n)) return { name: "prod", isProd: true };
  return { name: undefined, isProd: false };
}
