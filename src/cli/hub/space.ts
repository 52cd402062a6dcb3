import type { Command } from "commander";
import { type HubCliOptions, withHub } from "./connect.js";
import { collectLabel, print, table } from "./output.js";

export function registerSpace(hub: Command): void {
  const space = hub.command("space").description("spaces: create, list, delete");

  space
    .command("create <slug>")
    .description("create a space")
    .option("--label <key=value>", "a label (repeatable)", collectLabel)
    .option("--display-name <name>", "display name")
    .option("--data <dir>", "embedded store directory")
    .option("--json", "print JSON")
    .action((slug: string, opts: HubCliOptions & { label?: Record<string, string>; displayName?: string }) =>
      withHub(opts, async (h) => {
        const s = await h.createSpace({ Slug: slug, Labels: opts.label, DisplayName: opts.displayName });
        print(opts.json, s, () => `created space ${s.Slug} (${s.SpaceID})\n`);
      }),
    );

  space
    .command("list")
    .description("list spaces")
    .option("--where <expr>", "filter, e.g. \"Labels.env = 'qa'\"")
    .option("--data <dir>", "embedded store directory")
    .option("--json", "print JSON")
    .action((opts: HubCliOptions & { where?: string }) =>
      withHub(opts, async (h) => {
        const items = await h.listSpaces(opts.where);
        print(opts.json, items, () =>
          table(
            ["SLUG", "UNITS", "LABELS", "ID"],
            items.map((i) => [i.Space.Slug, i.TotalUnitCount, labelsText(i.Space.Labels), i.Space.SpaceID]),
          ),
        );
      }),
    );

  space
    .command("delete <slug>")
    .description("delete a space (one with units only with --recursive)")
    .option("--recursive", "also delete its units and their revisions")
    .option("--data <dir>", "embedded store directory")
    .option("--json", "print JSON")
    .action((slug: string, opts: HubCliOptions & { recursive?: boolean }) =>
      withHub(opts, async (h) => {
        await h.deleteSpace(slug, { recursive: opts.recursive });
        print(opts.json, { deleted: slug }, () => `deleted space ${slug}\n`);
      }),
    );
}

export function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
