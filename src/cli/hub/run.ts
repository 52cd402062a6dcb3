import type { Command } from "commander";
import type { FunctionInvocation, FunctionResult } from "../../hub/types.js";
import { quote } from "../../hub/where.js";
import { type HubCliOptions, withHub } from "./connect.js";
import { print, table } from "./output.js";

// `hub run FUNCTION --param value … --space S`: cub's shape; each function's parameters are its flags.
const FUNCTIONS: Record<string, { description: string; params: Array<[flag: string, help: string]> }> = {
  "set-image": {
    description: "set a container's image",
    params: [
      ["container-name", "the container ('*': all)"],
      ["container-image", "the full image"],
    ],
  },
  "set-image-reference": {
    description: "set a container image's tag or digest",
    params: [
      ["container-name", "the container ('*': all)"],
      ["image-reference", "':TAG' or '@sha256:…'"],
    ],
  },
  "set-replicas": {
    description: "set replicas of Deployments, StatefulSets, ReplicaSets",
    params: [["replicas", "the count"]],
  },
  "get-replicas": { description: "show replicas", params: [] },
  "set-env-var": {
    description: "set an environment variable of a container",
    params: [
      ["container-name", "the container ('*': all)"],
      ["env-var", "the variable"],
      ["env-value", "its value"],
    ],
  },
};

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export function registerRun(hub: Command): void {
  const run = hub.command("run").description("run a function over the units of a space");
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    const cmd = run.command(name).description(fn.description);
    for (const [flag, help] of fn.params) cmd.requiredOption(`--${flag} <value>`, help);
    cmd
      .requiredOption("--space <slug>", "the space")
      .option("--where <expr>", "which units (default: all)")
      .option("--unit <slug>", "only this unit")
      .option("--change-desc <text>", "description of the change")
      .option("--data <dir>", "embedded store directory")
      .option("--json", "print JSON")
      .action(
        (
          opts: HubCliOptions &
            Record<string, string> & { space: string; where?: string; unit?: string; changeDesc?: string },
        ) =>
          withHub(opts, async (h) => {
            const invocation: FunctionInvocation = {
              FunctionName: name,
              Arguments: fn.params.map(([flag]) => ({ ParameterName: flag, Value: opts[camel(flag)] })),
            };
            const where =
              [opts.where, opts.unit ? `Slug = '${quote(opts.unit)}'` : undefined].filter(Boolean).join(" AND ") ||
              undefined;
            const results = await h.invokeFunctions(opts.space, where, [invocation], opts.changeDesc);
            // ConfigHub answers RevisionIDs; the table shows the numbers people use.
            const heads = new Map(
              (await h.listUnits(opts.space, where)).map((i) => [i.Unit.UnitID, i.Unit.HeadRevisionNum]),
            );
            print(opts.json, results, () =>
              table(
                ["UNIT", "REVISION", "RESULT"],
                results.map((r) => [r.UnitSlug, heads.get(r.UnitID) ?? "-", resultText(r)]),
              ),
            );
            if (results.some((r) => !r.Success)) process.exitCode = 2;
          }),
      );
  }
}

/** A function's outcome in a word, or what it output (ConfigHub's Outputs: base64 JSON by output type). */
function resultText(r: FunctionResult): string {
  if (!r.Success) return r.Error?.Message ?? "failed";
  const outputs = Object.values(r.Outputs ?? {}).map((b64) => Buffer.from(b64, "base64").toString("utf8"));
  if (outputs.length) return outputs.join(" ");
  return r.HasNewMutations ? "changed" : "unchanged";
}
