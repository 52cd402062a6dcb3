import type { Command } from "commander";
import { type HubCliOptions, withHub } from "./connect.js";
import { print, table } from "./output.js";

export function registerRevision(hub: Command): void {
  const revision = hub.command("revision").description("revisions of a unit");
  revision
    .command("list <unit>")
    .description("list a unit's revisions")
    .requiredOption("--space <slug>", "the space")
    .option("--where <expr>", "which revisions, e.g. \"RevisionNum > 3 AND Description LIKE 'Upgraded%'\"")
    .option("--data <dir>", "embedded store directory")
    .option("--json", "print JSON")
    .action((unit: string, opts: HubCliOptions & { space: string; where?: string }) =>
      withHub(opts, async (h) => {
        const revs = await h.listRevisions(opts.space, unit, opts.where);
        print(opts.json, revs, () =>
          table(
            ["NUM", "CREATED", "USER", "HASH", "DESCRIPTION"],
            revs.map((r) => [r.RevisionNum, r.CreatedAt, r.UserID, r.DataHash.slice(0, 12), r.Description]),
          ),
        );
      }),
    );
}
