import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { HubApi } from "../../hub/api.js";
import type { Unit } from "../../hub/types.js";
import { quote } from "../../hub/where.js";
import { CliError } from "../errors.js";
import { type HubCliOptions, withHub } from "./connect.js";
import { collectLabel, print, table } from "./output.js";
import { labelsText } from "./space.js";

type UnitOpts = HubCliOptions & {
  space: string;
  where?: string;
  label?: Record<string, string>;
  displayName?: string;
  changeDesc?: string;
};

const readData = (file: string) => {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
};

const and = (...parts: Array<string | undefined>) => parts.filter(Boolean).join(" AND ") || undefined;

/** The fields a unit write may set besides its data: labels, display name, change description. */
function unitMetaOptions(cmd: Command): Command {
  return cmd
    .option("--label <key=value>", "a label (repeatable)", collectLabel)
    .option("--display-name <name>", "display name")
    .option("--change-desc <text>", "description of the change");
}

function common(cmd: Command, space = true): Command {
  if (space) cmd.requiredOption("--space <slug>", "the space");
  return cmd.option("--data <dir>", "embedded store directory").option("--json", "print JSON");
}

export function unitRow(u: Unit): Array<string | number> {
  return [
    u.Slug,
    u.SpaceSlug,
    u.HeadRevisionNum,
    u.LastAppliedRevisionNum,
    u.LastReleasedRevisionNum,
    u.UpstreamUnitID ? u.UpstreamRevisionNum : "-",
    u.LastChangeDescription,
  ];
}
export const UNIT_HEADERS = ["SLUG", "SPACE", "HEAD", "APPLIED", "RELEASED", "UPSTREAM-REV", "LAST CHANGE"];

export function registerUnit(hub: Command): HubCommand {
  const unit = hub.command("unit").description("units: create, list, get, data, update, delete, apply");

  common(
    unitMetaOptions(
      unit
        .command("create [slug] [file]")
        .description("create a unit from a YAML file ('-': stdin); with --dest-space, clone units of --space into it")
        .option(
          "--dest-space <slug>",
          "clone the units of --space (or just SLUG, or those --where selects) into this space",
        )
        .option("--upstream-space <slug>", "clone one unit: the upstream's space")
        .option("--upstream-unit <slug>", "clone one unit: the upstream unit")
        .option("--where <expr>", "with --dest-space: which units to clone"),
    ),
  ).action(
    (
      slug: string | undefined,
      file: string | undefined,
      opts: UnitOpts & { destSpace?: string; upstreamSpace?: string; upstreamUnit?: string },
    ) =>
      withHub(opts, async (h) => {
        if (opts.destSpace) {
          const sources = (
            await h.listUnits(opts.space, and(opts.where, slug ? `Slug = '${quote(slug)}'` : undefined))
          ).map((i) => i.Unit);
          if (slug && sources.length === 0) throw new CliError(`no unit ${slug} in space ${opts.space}`);
          const created: Unit[] = [];
          for (const src of sources)
            created.push(await h.cloneUnit(opts.destSpace, opts.space, src.Slug, { Labels: opts.label }));
          return print(opts.json, created, () =>
            created.map((u) => `cloned ${opts.space}/${u.Slug} -> ${u.SpaceSlug}/${u.Slug}\n`).join(""),
          );
        }
        if (!slug) throw new CliError("unit create needs a SLUG (or --dest-space to clone a space's units)");
        if (opts.upstreamSpace || opts.upstreamUnit) {
          if (!opts.upstreamSpace || !opts.upstreamUnit)
            throw new CliError("cloning one unit needs --upstream-space and --upstream-unit");
          const u = await h.cloneUnit(opts.space, opts.upstreamSpace, opts.upstreamUnit, {
            Slug: slug,
            Labels: opts.label,
          });
          return print(
            opts.json,
            u,
            () => `cloned ${opts.upstreamSpace}/${opts.upstreamUnit} -> ${u.SpaceSlug}/${u.Slug}\n`,
          );
        }
        const u = await h.createUnit(opts.space, {
          Slug: slug,
          Data: file ? readData(file) : "",
          Labels: opts.label,
          DisplayName: opts.displayName,
          LastChangeDescription: opts.changeDesc,
        });
        print(opts.json, u, () => `created unit ${u.SpaceSlug}/${u.Slug} revision ${u.HeadRevisionNum}\n`);
      }),
  );

  common(
    unit
      .command("list")
      .description("list units of a space (all spaces without --space)")
      .option("--where <expr>", "filter, e.g. \"Labels.tier = 'backend'\""),
    false,
  )
    .option("--space <slug>", "the space")
    .action((opts: UnitOpts) =>
      withHub(opts, async (h) => {
        const items = await h.listUnits(opts.space, opts.where);
        print(opts.json, items, () =>
          table(
            UNIT_HEADERS,
            items.map((i) => unitRow(i.Unit)),
          ),
        );
      }),
    );

  common(unit.command("get <slug>").description("show a unit")).action((slug: string, opts: UnitOpts) =>
    withHub(opts, async (h) => {
      const u = await h.getUnit(opts.space, slug);
      print(opts.json, u, () =>
        table(
          ["FIELD", "VALUE"],
          [
            ["Slug", u.Slug],
            ["Space", u.SpaceSlug],
            ["UnitID", u.UnitID],
            ["Labels", labelsText(u.Labels)],
            ["HeadRevisionNum", u.HeadRevisionNum],
            ["LastAppliedRevisionNum", u.LastAppliedRevisionNum],
            ["LastReleasedRevisionNum", u.LastReleasedRevisionNum],
            ["UpstreamUnitID", u.UpstreamUnitID ?? "-"],
            ["UpstreamRevisionNum", u.UpstreamRevisionNum],
            ["DataHash", u.DataHash],
            ["LastChangeDescription", u.LastChangeDescription],
            ["UpdatedAt", u.UpdatedAt],
          ],
        ),
      );
    }),
  );

  common(
    unit
      .command("data <slug>")
      .description("print a unit's data (head, or --revision N)")
      .option("--revision <n>", "a revision number", Number),
  ).action((slug: string, opts: UnitOpts & { revision?: number }) =>
    withHub(opts, async (h) => {
      const data = opts.revision
        ? await h.getRevisionData(opts.space, slug, opts.revision)
        : await h.getUnitData(opts.space, slug);
      process.stdout.write(data);
    }),
  );

  common(
    unitMetaOptions(
      unit
        .command("update [slug] [file]")
        .description(
          "update a unit's data from FILE, or --upgrade from upstream (all units of --space without SLUG), or --restore N",
        )
        .option("--patch", "merge the given fields into the unit (labels, display name)")
        .option("--upgrade", "merge the upstream's changes (promotion), keeping this unit's overrides")
        .option("--restore <n>", "make revision N's data the new head (rollback)", Number)
        .option("--where <expr>", "with --upgrade and no SLUG: which units"),
    ),
  ).action(
    (
      slug: string | undefined,
      file: string | undefined,
      opts: UnitOpts & { patch?: boolean; upgrade?: boolean; restore?: number },
    ) =>
      withHub(opts, async (h) => {
        if (opts.upgrade) return upgrade(h, slug, opts);
        if (!slug) throw new CliError("unit update needs a SLUG (or --upgrade for every unit of --space)");
        if (opts.restore !== undefined) {
          if (!Number.isInteger(opts.restore)) throw new CliError("--restore needs a revision number");
          const u = await h.restoreUnit(opts.space, slug, opts.restore);
          return print(
            opts.json,
            u,
            () =>
              `restored ${u.SpaceSlug}/${u.Slug} to revision ${opts.restore}: new head revision ${u.HeadRevisionNum}\n`,
          );
        }
        let u: Unit | undefined;
        if (opts.label || opts.displayName)
          u = await h.updateUnit(opts.space, slug, { Labels: opts.label, DisplayName: opts.displayName });
        if (file) u = await h.putUnitData(opts.space, slug, readData(file), { description: opts.changeDesc });
        if (!u) throw new CliError("nothing to update: give a FILE, --label, --display-name, --upgrade or --restore");
        const done = u;
        print(opts.json, done, () => `updated ${done.SpaceSlug}/${done.Slug}: head revision ${done.HeadRevisionNum}\n`);
      }),
  );

  common(unit.command("delete <slug>").description("delete a unit and its revisions")).action(
    (slug: string, opts: UnitOpts) =>
      withHub(opts, async (h) => {
        await h.deleteUnit(opts.space, slug);
        print(opts.json, { deleted: slug }, () => `deleted unit ${opts.space}/${slug}\n`);
      }),
  );
  return unit;
}

type HubCommand = Command;

async function upgrade(h: HubApi, slug: string | undefined, opts: UnitOpts): Promise<void> {
  const targets = slug
    ? [slug]
    : (await h.listUnits(opts.space, and(opts.where, "UpstreamRevisionNum > 0"))).map((i) => i.Unit.Slug);
  const results: Array<{ unit: string; revision?: number; conflicts?: unknown[]; error?: string }> = [];
  for (const t of targets) {
    try {
      const r = await h.upgradeUnit(opts.space, t);
      results.push({ unit: t, revision: r.unit.HeadRevisionNum, conflicts: r.conflicts });
    } catch (err) {
      results.push({ unit: t, error: (err as Error).message });
    }
  }
  print(opts.json, results, () =>
    table(
      ["UNIT", "HEAD", "RESULT"],
      results.map((r) => [
        r.unit,
        r.revision,
        r.error ??
          (r.conflicts?.length
            ? `upgraded; kept downstream at ${(r.conflicts as Array<{ Path: string }>).map((c) => c.Path).join(", ")}`
            : "upgraded"),
      ]),
    ),
  );
  if (results.some((r) => r.error)) process.exitCode = 2;
}
