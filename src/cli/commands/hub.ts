import type { Command } from "commander";
import { registerApply, registerRelease } from "../hub/apply.js";
import { registerRevision } from "../hub/revision.js";
import { registerRun } from "../hub/run.js";
import { registerServe } from "../hub/serve.js";
import { registerSpace } from "../hub/space.js";
import { registerUnit } from "../hub/unit.js";

// `drift-detector hub …`: cub's verbs and flags against the embedded hub, our hub over HTTP (HUB_URL) or ConfigHub
// (CONFIGHUB_URL); `hub serve` serves the embedded hub's HTTP API.
export function register(hub: Command): void {
  registerServe(hub);
  registerSpace(hub);
  const unit = registerUnit(hub);
  registerApply(unit);
  registerRevision(hub);
  registerRun(hub);
  registerRelease(hub);
}
