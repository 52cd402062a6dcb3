// One deterministic verdict per drift class: what happened, why it matters, what to do, with the commands to do it.
// Leanings: production reverts to the declared state; a hotfix image is investigated (prod) or accepted (elsewhere);
// security-relevant drift is reverted everywhere.
import type { Change, Severity } from "../../drift/types.js";
import type { AnalysisRequest, RecommendedAction } from "../types.js";
import { describeWho, isHuman, mainAttribution } from "./attribution.js";
import type { Classification, DriftClass } from "./classify.js";
import {
  acceptCommands,
  actionCommands,
  containerOf,
  declaredIn,
  inspectCommand,
  revertCommand,
  rolloutHistoryCommand,
  shellWord,
} from "./commands.js";
import { imageTag, listChanges, refLabel } from "./describe.js";
import type { Environment } from "./environment.js";

export interface Verdict {
  summary: string;
  likelyCause: string;
  risk: { level: Severity; why: string };
  recommendation: { action: RecommendedAction; rationale: string };
  commands: string[];
  confidence: number;
}

export interface VerdictInput {
  req: AnalysisRequest;
  cls: Classification;
  env: Environment;
}

type VerdictFn = (input: VerdictInput) => Verdict;

const TOOL_ANNOTATION =
  /^(kubectl\.kubernetes\.io|deployment\.kubernetes\.io|meta\.helm\.sh|argocd\.argoproj\.io|fluxcd\.io|kustomize\.toolkit\.fluxcd\.io)\//;
const HOTFIX_TAG = /hotfix|[-_.]fix|patch|[-_.]hf\d*$/i;
const DEBUG_VALUE = /^(debug|trace|true|1|on|verbose)$/i;
const WIDE_VERBS = new Set([
  "*",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
  "escalate",
  "bind",
  "impersonate",
]);

function who(changes: Change[]): string {
  return describeWho(mainAttribution(changes));
}

function envWord(env: Environment): string {
  return env.name ? `the ${env.name} environment` : "this environment";
}

function unique(commands: Array<string | undefined>): string[] {
  return [...new Set(commands.filter((c): c is string => Boolean(c)))];
}

const deletedObject: VerdictFn = ({ req }) => ({
  summary: `${refLabel(req.result.ref)} is declared in ${declaredIn(req)} but missing from the cluster.`,
  likelyCause:
    "Deleted by hand or by a tool outside the hub (a deletion leaves no managedFields trace), or never applied.",
  risk: {
    level: "critical",
    why: "Whatever depends on it (pods mounting it, clients of it, permissions it grants) fails or runs on fallbacks.",
  },
  recommendation: {
    action: "revert",
    rationale:
      "Recreate it from the hub's desired state. If the deletion was intended, remove it from the hub instead so the two agree.",
  },
  commands: unique([
    revertCommand(req),
    req.result.ref.namespace
      ? `kubectl get events -n ${shellWord(req.result.ref.namespace)} --field-selector involvedObject.name=${shellWord(req.result.ref.name)}`
      : undefined,
  ]),
  confidence: 0.85,
});

const privilegeEscalation: VerdictFn = ({ req, cls }) => ({
  summary: `${refLabel(req.result.ref)}: ${listChanges(cls.mainChanges)}, by ${who(cls.mainChanges)}.`,
  likelyCause:
    "Security settings were loosened directly in the cluster, typically to debug a permission problem, bypassing review in the hub.",
  risk: {
    level: "critical",
    why: "Privileged or host-level settings let the container reach the node and its other workloads: a direct escalation path.",
  },
  recommendation: {
    action: "revert",
    rationale:
      "Revert in every environment. If the workload truly needs this, declare it in the hub where it is reviewed and visible.",
  },
  commands: unique([revertCommand(req), inspectCommand(req)]),
  confidence: 0.9,
});

function widensRbac(changes: Change[]): boolean {
  const verbsOf = (v: unknown): string[] => {
    const s = JSON.stringify(v ?? null);
    return [...s.matchAll(/"([a-z*]+)"/g)].map((m) => m[1]);
  };
  return changes.some((c) => {
    if (c.type === "added") return true;
    if (c.type === "removed") return false;
    const before = new Set(verbsOf(c.desired));
    return verbsOf(c.live).some((v) => !before.has(v) && (WIDE_VERBS.has(v) || v === "*"));
  });
}

const rbacWidening: VerdictFn = ({ req, cls }) => {
  const widened = widensRbac(cls.mainChanges);
  return {
    summary: `${refLabel(req.result.ref)}: permissions ${widened ? "widened" : "changed"} (${listChanges(cls.mainChanges)}), by ${who(cls.mainChanges)}.`,
    likelyCause: widened
      ? "Someone granted extra permissions by hand, often to unblock a job or a person quickly."
      : "RBAC rules or bindings were edited outside the hub.",
    risk: {
      level: widened ? "critical" : "high",
      why: "Permissions that no review approved: whoever holds this role can now do more than declared.",
    },
    recommendation: {
      action: "revert",
      rationale: "Restore the declared permissions; if the extra access is needed, grant it through the hub.",
    },
    commands: unique([revertCommand(req), inspectCommand(req)]),
    confidence: widened ? 0.9 : 0.75,
  };
};

const secretRotation: VerdictFn = ({ req, cls, env }) => {
  const keys = cls.mainChanges.map((c) => c.field).join(", ");
  const { ref } = req.result;
  return {
    summary: `${refLabel(ref)}: secret value(s) ${keys} changed in the cluster by ${who(cls.mainChanges)} (values withheld).`,
    likelyCause:
      "A credential was rotated by hand in the cluster; the hub still holds the previous value, so the next apply would roll it back.",
    risk: {
      level: "high",
      why: "Reverting restores the previous credential (which may already be revoked); leaving it means the hub no longer describes the running credential.",
    },
    recommendation: {
      action: "investigate",
      rationale: `Confirm the rotation with the credential's owner in ${envWord(env)}, then record the new value in the hub through its secret workflow (never by copying values out of the cluster). Revert only if the change was not sanctioned.`,
    },
    commands: unique([
      `kubectl describe secret ${shellWord(ref.name)}${ref.namespace ? ` -n ${shellWord(ref.namespace)}` : ""}`,
      revertCommand(req),
    ]),
    confidence: 0.7,
  };
};

const serviceRouting: VerdictFn = ({ req, cls, env }) => {
  const { ref } = req.result;
  return {
    summary: `${refLabel(ref)}: ${listChanges(cls.mainChanges)}, by ${who(cls.mainChanges)}.`,
    likelyCause: "The Service was repointed by hand (port, target port or selector), bypassing the hub.",
    risk: {
      level: "high",
      why: "Traffic now reaches a different port or set of pods; if the target does not serve there, every client of the Service fails.",
    },
    recommendation: {
      action: env.isProd ? "revert" : "investigate",
      rationale: env.isProd
        ? "Restore the declared routing; if the application really moved, change the Service in the hub."
        : "Check whether the application moved; then either revert or record the new routing in the hub.",
    },
    commands: unique([
      revertCommand(req),
      ref.namespace
        ? `kubectl get endpointslices -n ${shellWord(ref.namespace)} -l kubernetes.io/service-name=${shellWord(ref.name)}`
        : undefined,
    ]),
    confidence: 0.75,
  };
};

const imageChange: VerdictFn = ({ req, cls, env }) => {
  const change = cls.mainChanges[0];
  const container = containerOf(change) ?? "a container";
  const hotfix = HOTFIX_TAG.test(imageTag(change.live) ?? "");
  const action: RecommendedAction = hotfix
    ? env.isProd
      ? "investigate"
      : "accept"
    : env.isProd
      ? "revert"
      : "investigate";
  const rationale = hotfix
    ? env.isProd
      ? "A hotfix in production is usually an incident fix: keep it running while you confirm it, then promote it through the hub (accept) so the next apply does not roll it back, or revert once a proper release carries the fix."
      : `Record the hotfix in the hub so ${envWord(env)} and its declared state agree, and carry it through the normal promotion.`
    : env.isProd
      ? "An image nobody declared is running in production: restore the declared image, then release the new one through the hub if it is wanted."
      : "Find out who deployed this image and why; then accept it into the hub or revert.";
  return {
    summary: `${refLabel(req.result.ref)}: image of ${container} changed from ${String(change.desired)} to ${String(change.live)} by ${who(cls.mainChanges)}.`,
    likelyCause: hotfix
      ? "A hotfix image was rolled out directly on the cluster, bypassing the hub (typical during an incident)."
      : "A different image was deployed outside the hub (kubectl set image, another pipeline, or a manual rollback).",
    risk: {
      level: "high",
      why: "The running code is not the code the hub declares: untested in this pipeline, and the next apply will silently replace it.",
    },
    recommendation: { action, rationale },
    commands: unique([
      ...(action === "revert" ? [revertCommand(req)] : acceptCommands(req, change)),
      action === "revert" ? undefined : revertCommand(req),
      rolloutHistoryCommand(req),
    ]),
    confidence: hotfix ? 0.7 : 0.65,
  };
};

const limitsRemoved: VerdictFn = ({ req, cls, env }) => ({
  summary: `${refLabel(req.result.ref)}: resource limits removed (${listChanges(cls.mainChanges)}), by ${who(cls.mainChanges)}.`,
  likelyCause: "Limits were taken off by hand, most often to stop OOM kills or CPU throttling.",
  risk: {
    level: "high",
    why: "Without limits the container can exhaust the node's memory or CPU and get its neighbours evicted; the original OOM cause stays hidden.",
  },
  recommendation: {
    action: env.isProd ? "revert" : "investigate",
    rationale: env.isProd
      ? "Restore the declared limits now; if they were too low (OOM kills), raise them in the hub rather than removing them."
      : "Check the container's real usage and OOM history; if the limits were too low, raise them in the hub, then restore limits in the cluster.",
  },
  commands: unique([
    revertCommand(req),
    req.result.ref.namespace ? `kubectl top pod -n ${shellWord(req.result.ref.namespace)}` : undefined,
  ]),
  confidence: 0.75,
});

function looksLikeDebugging(changes: Change[]): boolean {
  return changes.some((c) => {
    const item = c.live as { name?: unknown; value?: unknown } | undefined;
    const name = typeof item?.name === "string" ? item.name : c.field;
    const value = typeof item?.value === "string" ? item.value : typeof c.live === "string" ? c.live : "";
    return /debug|log_?level|verbose|trace/i.test(name) || (/debug|trace/i.test(value) && DEBUG_VALUE.test(value));
  });
}

const envConfigEdit: VerdictFn = ({ req, cls, env }) => {
  const debugging = looksLikeDebugging(cls.mainChanges);
  const action: RecommendedAction = env.isProd || debugging ? "revert" : "accept";
  return {
    summary: `${refLabel(req.result.ref)}: ${listChanges(cls.mainChanges)}, by ${who(cls.mainChanges)}.`,
    likelyCause: debugging
      ? "A debugging setting was switched on in the cluster and left behind."
      : "A configuration value was edited in the cluster for a quick change, bypassing the hub.",
    risk: {
      level: req.result.severity ?? "medium",
      why: "The workload behaves differently from what the hub declares, and the next apply silently undoes the edit.",
    },
    recommendation: {
      action,
      rationale:
        action === "revert"
          ? debugging
            ? "Debug settings cost performance and may log sensitive data: switch them off by reverting; use the hub for a deliberate, time-boxed change."
            : "Production should run exactly what the hub declares: revert, and make the change through the hub if it is wanted."
          : `A deliberate edit in ${envWord(env)}: record it in the hub so the declared state stays true, or revert if nobody claims it.`,
    },
    commands: unique([...(action === "accept" ? acceptCommands(req, cls.mainChanges[0]) : []), revertCommand(req)]),
    confidence: debugging ? 0.7 : 0.6,
  };
};

const manualScale: VerdictFn = ({ req, cls, env }) => {
  const change = cls.mainChanges[0];
  const desired = Number(change.desired);
  const live = Number(change.live);
  const up = live > desired;
  const toZero = live === 0;
  const action: RecommendedAction = env.isProd ? (up ? "investigate" : "revert") : "accept";
  const human = isHuman(change.by);
  return {
    summary: `${refLabel(req.result.ref)} scaled from ${change.desired} to ${change.live} replicas by ${who(cls.mainChanges)}.`,
    likelyCause: `${human ? "Scaled by hand" : "Scaled by a tool"}${up ? ", most likely to absorb load or during an incident" : toZero ? ", switching the workload off" : ", most likely to save resources"}; no HorizontalPodAutoscaler manages its replicas.`,
    risk: {
      level: toZero ? "high" : "medium",
      why: toZero
        ? "With zero replicas the workload serves nothing."
        : up
          ? "More replicas cost capacity and the next apply scales back down, possibly under load."
          : "Fewer replicas than declared reduce capacity and redundancy.",
    },
    recommendation: {
      action,
      rationale:
        action === "investigate"
          ? "Check whether the extra capacity is still needed: if so, set the replica count in the hub (or add an HPA); if not, revert."
          : action === "revert"
            ? "Production runs below its declared capacity: restore the declared replica count."
            : `Record the new replica count in the hub so ${envWord(env)} and its declared state agree, or revert if it was a one-off.`,
    },
    commands: unique([...acceptCommands(req, change), revertCommand(req)]),
    confidence: 0.7,
  };
};

const resourcesEdit: VerdictFn = ({ req, cls, env }) => ({
  summary: `${refLabel(req.result.ref)}: ${listChanges(cls.mainChanges)}, by ${who(cls.mainChanges)}.`,
  likelyCause: "Requests or limits were tuned by hand in the cluster.",
  risk: {
    level: req.result.severity ?? "medium",
    why: "Scheduling and capacity now differ from the declared state; the next apply undoes the tuning.",
  },
  recommendation: {
    action: env.isProd ? "revert" : "accept",
    rationale: env.isProd
      ? "Restore the declared resources and make the tuning through the hub."
      : "Record the tuned values in the hub if they are better, otherwise revert.",
  },
  commands: unique([revertCommand(req)]),
  confidence: 0.6,
});

const labelAnnotationEdit: VerdictFn = ({ req, cls, env }) => {
  const keys = cls.mainChanges.map((c) => c.field);
  const onlyToolAnnotations = cls.mainChanges.every((c) =>
    TOOL_ANNOTATION.test(c.path.replace(/^\/metadata\/annotations\//, "").replace(/~1/g, "/")),
  );
  const action: RecommendedAction = onlyToolAnnotations ? "ignore" : env.isProd ? "revert" : "accept";
  // values stay out of the summary: free text in annotations is not ours to repeat
  return {
    summary: `${refLabel(req.result.ref)}: ${listChanges(cls.mainChanges, false)}, by ${who(cls.mainChanges)}.`,
    likelyCause: onlyToolAnnotations
      ? "A deployment tool recorded its own bookkeeping annotation."
      : "Labels or annotations were edited by hand (kubectl label / annotate), e.g. to tag ownership.",
    risk: {
      level: "low",
      why: "Metadata rarely changes behaviour, but selectors, policies and cost reports may read it.",
    },
    recommendation: {
      action,
      rationale:
        action === "ignore"
          ? "Tool bookkeeping: add an ignore rule for it rather than reverting."
          : action === "revert"
            ? "Production keeps exactly the declared metadata; add the keys through the hub if they are wanted."
            : `Cheap to keep: record ${keys.join(", ")} in the hub so the declared state stays complete.`,
    },
    commands: unique([...actionCommands(action, req, cls.mainChanges[0]), inspectCommand(req)]),
    confidence: 0.65,
  };
};

const generic: VerdictFn = ({ req, env }) => {
  const changes = req.result.changes;
  return {
    summary: `${refLabel(req.result.ref)}: ${listChanges(changes)}${changes.length ? `, by ${who(changes)}` : ""}.`,
    likelyCause: "Edited in the cluster outside the hub.",
    risk: { level: req.result.severity ?? "medium", why: "The live object no longer matches its declared state." },
    recommendation: {
      action: env.isProd ? "revert" : "investigate",
      rationale: env.isProd
        ? "Production should match the hub: revert, and make wanted changes through the hub."
        : "Find out who made the change and why, then accept it into the hub or revert.",
    },
    commands: unique([inspectCommand(req), revertCommand(req)]),
    confidence: 0.4,
  };
};

export const VERDICTS: Record<DriftClass, VerdictFn> = {
  "deleted-object": deletedObject,
  "privilege-escalation": privilegeEscalation,
  "rbac-widening": rbacWidening,
  "secret-rotation": secretRotation,
  "service-routing": serviceRouting,
  "image-change": imageChange,
  "limits-removed": limitsRemoved,
  "env-config-edit": envConfigEdit,
  "manual-scale": manualScale,
  "resources-edit": resourcesEdit,
  "label-annotation-edit": labelAnnotationEdit,
  generic,
};
