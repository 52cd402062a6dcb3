import type { Command } from "commander";
import { quote } from "../../desired/confighub-client.js";
import type { FunctionInvocation } from "../../hub/types.js";
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
            print(opts.json, results, () =>
              table(
                ["UNIT", "REVISION", "RESULT"],
                results.map((r) => [
                  r.UnitSlug,
                  r.RevisionNum,
                  r.Error ?? (r.Output.length ? JSON.stringify(r.Output) : r.Mutated ? "changed" : "unchanged"),
                ]),
              ),
            );
            if (results.some((r) => r.Error)) process.exitCode = 2;
          }),
      );
  }
}
