// Commands from a model are shown to people, never run; still, a model steered by text planted in the cluster must
// not talk anyone into a write: only read-only kubectl (get, describe, logs, rollout history) and
// `drift-detector drift list|show` pass, single commands with no shell operators. Reverts, accepts and hub writes
// are offered by our own rules and the dashboard, never by the model.
import { DRIFT_ID_PLACEHOLDER } from "./prompt.js";

const SHELL_OPERATORS = /[;&|`$<>\\\n\r]|\$\(/;
const KUBECTL_READ_ONLY = /^kubectl\s+(get|describe|logs|rollout\s+history)\s/;
const DRIFT_DETECTOR = /^drift-detector\s+drift\s+(list|show)(\s|$)/;

export function isSafeCommand(cmd: string): boolean {
  const c = cmd.trim();
  if (c.length === 0 || c.length > 400 || SHELL_OPERATORS.test(c)) return false;
  return KUBECTL_READ_ONLY.test(c) || DRIFT_DETECTOR.test(c);
}

/** Safe commands with the drift id filled in; commands needing an id are dropped when there is none. */
export function resolveCommands(commands: string[], driftId: string | undefined, max = 6): string[] {
  const out: string[] = [];
  for (const raw of commands) {
    const cmd = raw.trim();
    if (cmd.includes(DRIFT_ID_PLACEHOLDER) && !driftId) continue;
    const resolved = driftId ? cmd.split(DRIFT_ID_PLACEHOLDER).join(driftId) : cmd;
    if (!out.includes(resolved)) out.push(resolved);
  }
  return out.slice(0, max);
}
