// Captures real objects from a sandbox kube-apiserver into test/unit/drift/fixtures/ for the engine's unit tests.
// Run: npx tsx test/fixtures-capture/capture.ts [--kubeconfig .sandbox/dev/kubeconfig] [--kubectl .sandbox/dev/bin/kubectl]
// Each fixture is { desired, live, serverApplied, serverDefaulted }: desired as written (namespace filled in), the live
// object after the story's kubectl commands, the server-side apply dry-run of desired onto it (field manager
// drift-detector, force) and a dry-run create of desired under another name (what the server defaults).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const out = join(root, "test/unit/drift/fixtures");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const kubeconfig = arg("--kubeconfig", join(root, ".sandbox/dev/kubeconfig"));
const kubectlBin = arg("--kubectl", join(root, ".sandbox/dev/bin/kubectl"));

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown } };

// A controller (the sandbox runs the deployment controller) may update an object between our steps: retry conflicts.
function kubectl(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): string {
  for (let attempt = 1; ; attempt++) {
    try {
      return kubectlOnce(args, opts);
    } catch (err) {
      if (attempt >= 5 || !String((err as { stderr?: string }).stderr).includes("Conflict")) throw err;
      execFileSync("sleep", ["0.5"]);
    }
  }
}

function kubectlOnce(args: string[], opts: { stdin?: string; env?: Record<string, string> }): string {
  return execFileSync(kubectlBin, ["--kubeconfig", kubeconfig, ...args], {
    input: opts.stdin ?? "",
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
  });
}

const manifests = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(join(here, "manifests", file), "utf8")).map((d) => d.toJS() as Obj);
const yamlOf = (o: Obj | Obj[]) => JSON.stringify(Array.isArray(o) ? { apiVersion: "v1", kind: "List", items: o } : o);
const resource = (o: Obj) =>
  `${o.kind}.${o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : ""}`.replace(/\.$/, "");

// Namespaces carry a per-run suffix: deleting one waits for the namespace controller, creating one does not.
const run = Date.now().toString(36).slice(-4);
const created: string[] = [];
function freshNamespace(base: string): string {
  const ns = `${base}-${run}`;
  kubectl(["create", "namespace", ns]);
  created.push(ns);
  return ns;
}

function get(o: Obj, ns: string): Obj {
  const where = ns === "" ? [] : ["-n", ns];
  return JSON.parse(kubectl(["get", resource(o), o.metadata.name, ...where, "-o", "json", "--show-managed-fields"]));
}

function save(name: string, desired: Obj, ns: string): void {
  const want = { ...desired, metadata: { ...desired.metadata, namespace: ns } };
  const live = get(desired, ns);
  let serverApplied: unknown = null;
  try {
    serverApplied = JSON.parse(
      kubectl(
        [
          "apply",
          "--server-side",
          "--force-conflicts",
          "--field-manager=drift-detector",
          "--dry-run=server",
          "-n",
          ns,
          "-o",
          "json",
          "-f",
          "-",
        ],
        { stdin: yamlOf(want) },
      ),
    );
  } catch (err) {
    process.stderr.write(`${name}: server-side apply dry-run failed: ${(err as Error).message.split("\n")[0]}\n`);
  }
  // As detection does it: a dry-run create under another name in the same namespace (same admission, same quotas).
  const serverDefaulted = JSON.parse(
    kubectl(["create", "--dry-run=server", "-n", ns, "-o", "json", "-f", "-"], {
      stdin: yamlOf({
        ...desired,
        metadata: { ...desired.metadata, name: `${desired.metadata.name}-dd-dryrun`, namespace: ns },
      }),
    }),
  );
  const file = join(out, `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ desired: want, live, serverApplied, serverDefaulted }, null, 1)}\n`);
  process.stdout.write(`captured ${name}\n`);
}

const ssa = (objs: Obj[], ns: string, manager = "confighub") =>
  kubectl(["apply", "--server-side", `--field-manager=${manager}`, "-n", ns, "-f", "-"], { stdin: yamlOf(objs) });

const all = [...manifests("workloads.yaml"), ...manifests("network.yaml"), ...manifests("config.yaml")];
const byName = (kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name)!;
const slug = (o: Obj) => `${o.kind.toLowerCase()}-${o.metadata.name}`;

// 1. Every object put in place three ways, untouched: all must be InSync.
const nsSsa = freshNamespace("fx-ssa");
ssa(all, nsSsa);
const nsCreated = freshNamespace("fx-created");
kubectl(["create", "-n", nsCreated, "-f", "-"], { stdin: yamlOf(all) });
const nsCsa = freshNamespace("fx-csa");
kubectl(["apply", "-n", nsCsa, "-f", "-"], { stdin: yamlOf(all) });
for (const o of all) {
  save(`ssa/${slug(o)}`, o, nsSsa);
  save(`created/${slug(o)}`, o, nsCreated);
  save(`csa/${slug(o)}`, o, nsCsa);
}

// 2. Stories: one namespace each, desired applied by confighub, then what a person (or a bot) did.
const deployment = byName("Deployment", "backend");
const editor = (script: string) => ({ KUBE_EDITOR: `sh -c '${script} "$0"'` });
const stories: Array<{
  name: string;
  objs: Obj[];
  steps: Array<[string[], { stdin?: string; env?: Record<string, string> }?]>;
}> = [
  { name: "scaled", objs: [deployment], steps: [[["scale", "deployment/backend", "--replicas=5"]]] },
  {
    name: "set-image",
    objs: [deployment],
    steps: [[["set", "image", "deployment/backend", "backend=ghcr.io/confighubai/cubbychat/backend:1.1.2-hotfix"]]],
  },
  {
    name: "env-added",
    objs: [deployment],
    steps: [[["set", "env", "deployment/backend", "-c", "backend", "DEBUG=true"]]],
  },
  {
    name: "env-changed",
    objs: [deployment],
    steps: [[["set", "env", "deployment/backend", "-c", "backend", "DATABASE_URL=postgres://chat@replica:5432/chat"]]],
  },
  {
    name: "edit-limits-removed",
    objs: [deployment],
    steps: [[["edit", "deployment/backend"], { env: editor('sed -i -e "/^ *limits:/,/^ *memory: 1Gi/d"') }]],
  },
  { name: "labelled", objs: [deployment], steps: [[["label", "deployment", "backend", "team=payments"]]] },
  {
    name: "privileged",
    objs: [deployment],
    steps: [
      [
        [
          "patch",
          "deployment",
          "backend",
          "--type=json",
          "-p",
          '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext","value":{"privileged":true}}]',
        ],
      ],
    ],
  },
  {
    name: "hotfix-bot",
    objs: [deployment],
    steps: [
      [
        ["apply", "--server-side", "--field-manager=hotfix-bot", "--force-conflicts", "-f", "-"],
        {
          stdin: yamlOf({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "backend" },
            spec: {
              template: {
                spec: { containers: [{ name: "backend", image: "ghcr.io/confighubai/cubbychat/backend:1.1.3-rc1" }] },
              },
            },
          } as unknown as Obj),
        },
      ],
    ],
  },
  {
    name: "replaced",
    objs: [deployment],
    steps: [
      [
        ["replace", "-f", "-"],
        {
          stdin: yamlOf(JSON.parse(JSON.stringify(deployment).replaceAll("backend:1.1.1", "backend:1.1.9")) as Obj),
        },
      ],
    ],
  },
  {
    name: "controller-annotation",
    objs: [deployment],
    steps: [
      [
        [
          "annotate",
          "deployment",
          "backend",
          "deployment.kubernetes.io/revision=4",
          "--field-manager=kube-controller-manager",
          "--overwrite",
        ],
      ],
    ],
  },
  {
    name: "hpa-scaled",
    objs: [deployment],
    steps: [
      [
        [
          "patch",
          "deployment",
          "backend",
          "--subresource=scale",
          "--type=merge",
          "-p",
          '{"spec":{"replicas":6}}',
          "--field-manager=kube-controller-manager",
        ],
      ],
    ],
  },
  { name: "rollout-restart", objs: [deployment], steps: [[["rollout", "restart", "deployment/backend"]]] },
  {
    name: "secret-rotated",
    objs: [byName("Secret", "db-credentials")],
    steps: [
      [["patch", "secret", "db-credentials", "--type=merge", "-p", '{"stringData":{"PASSWORD":"hunter2-value"}}']],
    ],
  },
  {
    name: "role-widened",
    objs: [byName("Role", "reader")],
    steps: [
      [["patch", "role", "reader", "--type=json", "-p", '[{"op":"add","path":"/rules/0/verbs/-","value":"delete"}]']],
    ],
  },
  {
    name: "service-target-port",
    objs: [byName("Service", "backend")],
    steps: [
      [
        [
          "patch",
          "service",
          "backend",
          "--type=json",
          "-p",
          '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9090}]',
        ],
      ],
    ],
  },
  {
    name: "configmap-edited",
    objs: [byName("ConfigMap", "settings")],
    steps: [[["patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"LOG_LEVEL":"debug"}}']]],
  },
];

for (const story of stories) {
  const ns = freshNamespace(`fx-${story.name}`);
  ssa(story.objs, ns);
  for (const [args, opts] of story.steps) kubectl([...args, "-n", ns], opts);
  for (const o of story.objs) save(`story/${story.name}`, o, ns);
}
// 3. A custom resource created by hand: its creator owns the CRD schema's defaults.
const crdDocs = manifests("crd.yaml");
const crd = crdDocs.find((o) => o.kind === "CustomResourceDefinition")!;
const gadget = crdDocs.find((o) => o.kind === "Gadget")!;
kubectl(["apply", "--server-side", "--field-manager=confighub", "-f", "-"], { stdin: yamlOf(crd) });
kubectl(["wait", "--for=condition=Established", `crd/${crd.metadata.name}`, "--timeout=30s"]);
const nsCrd = freshNamespace("fx-crd");
kubectl(["create", "-n", nsCrd, "-f", "-"], { stdin: yamlOf(gadget) });
save("crd/gadget-created", gadget, nsCrd);
writeFileSync(join(out, "crd/crd.json"), `${JSON.stringify(get(crd, ""), null, 1)}\n`);

for (const ns of created) kubectl(["delete", "namespace", ns, "--wait=false"]);
kubectl(["delete", "customresourcedefinition", crd.metadata.name, "--wait=false"]);
