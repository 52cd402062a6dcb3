// The house plan (docs/architecture.md "Layers"), checked by `npm run arch` as part of `npm test`. A violation
// names the rule; fix the import, or change the plan here and in docs/architecture.md together.
const ours = (folders) => `^src/(${folders.join("|")})/`;
const notOurs = (allowed) => `^src/(?!(${allowed.join("|")})/)`;

/** A folder that may import only the named folders of ours (besides itself). */
const only = (name, folder, allowed, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: `^src/${folder}/` },
  to: { path: notOurs([folder, ...allowed]) },
});

/** A folder that must not import the named folders of ours. */
const never = (name, folder, folders, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: `^src/${folder}/` },
  to: { path: ours(folders) },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle makes two modules one: break it with a shared types module or by moving the shared part down.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    only("lib-is-the-ground-floor", "lib", [], "src/lib/ is the ground floor: it imports nothing of ours."),
    only("drift-is-pure", "drift", ["lib"], "The engine is pure: it sees plain data only (src/lib/ at most)."),
    {
      name: "drift-does-no-io",
      comment: "The engine does no I/O: files, network and processes are at the edges.",
      severity: "error",
      from: { path: "^src/drift/" },
      to: {
        dependencyTypes: ["core"],
        path: "^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|tls|worker_threads|cluster)$",
      },
    },
    only("app-runtime-is-generic", "app", ["lib"], "src/app/ is the reusable DevOps-app runtime: no domain."),
    only("store-is-persistence", "store", ["lib"], "src/store/ is persistence only; records and audits own their SQL."),
    only("kube-is-cluster-access", "kube", ["drift", "lib"], "src/kube/ is cluster access: objects, not drift."),
    only("sandbox-stands-alone", "sandbox", ["lib"], "The sandbox control plane is a tool of its own."),
    only(
      "sharding-is-membership-and-ownership",
      "sharding",
      ["kube", "desired", "drift", "lib"],
      "src/sharding/ says which replica owns which shard (Leases, assignment); the service wires the detectors to it.",
    ),
    only(
      "identity-learns-who",
      "identity",
      ["kube", "drift", "store", "lib"],
      "src/identity/ learns who sent each write (admission) and says who made a drift; the service wires it in.",
    ),
    never(
      "hub-does-not-read-sources",
      "hub",
      ["desired"],
      "The hub owns its clients; sources (src/desired/) read a hub, never the other way round.",
    ),
    never(
      "detection-is-below-the-loop",
      "detection",
      ["detector", "remediation", "server", "service", "cli", "demo", "scenarios"],
      "The shared detection path (check, scenarios, benches, the service) knows nothing of the service.",
    ),
    never(
      "detector-does-not-remediate",
      "detector",
      ["remediation", "server", "service", "cli", "demo"],
      "The loop reports; remediation acts on what it reports and is wired to it in src/service/.",
    ),
    {
      name: "server-sees-the-detector-surface-only",
      comment: "The API reads records, the record store and the event bus, never the detectors' insides.",
      severity: "error",
      from: { path: "^src/server/" },
      to: { path: "^src/detector/(?!(records|record-store|event-bus)\\.ts$)" },
    },
    {
      name: "nothing-imports-service",
      comment: "src/service/ is the composition root of `run`: only cli/commands/run.ts starts it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(service/|cli/commands/run\\.ts$)" },
      to: { path: "^src/service/" },
    },
    {
      name: "nothing-imports-cli",
      comment: "src/cli/ is the top floor.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-dev-dependencies-in-src",
      comment: "What src/ imports ships: it must be a dependency, not a devDependency.",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "resolvable",
      comment: "Every import resolves.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a cycle through types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/server/dashboard/static/" },
  },
};
