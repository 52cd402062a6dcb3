// Every setting of `drift-detector run` (CONTRACT.md's table plus the service's own): an environment variable and
// a flag each, validated at start.
import { z } from "zod";
import {
  booleanSchema,
  durationSchema,
  enumSchema,
  listenSchema,
  listSchema,
  loadSettings,
  positiveIntSchema,
  type SettingSpec,
  SettingsError,
  type SettingsInput,
  type SettingsOf,
  urlSchema,
} from "../app/settings.js";

function s<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

const optionalText = z.string().min(1);

export const RUN_SETTINGS = {
  source: s({
    env: "DRIFT_SOURCE",
    flag: "source",
    description: "what to watch: a directory, hub:SPACE or confighub:SPACE",
    allowed: "a directory, hub:SPACE or confighub:SPACE",
    schema: optionalText,
  }),
  clusters: s({
    env: "DRIFT_CLUSTERS",
    flag: "cluster",
    description: "several clusters, each CONTEXT=SOURCE (comma-separated, or the flag repeated)",
    allowed: "CONTEXT=SOURCE pairs, comma-separated",
    schema: listSchema.pipe(z.array(z.string().regex(/^[^=\s]+=\S+$/)).min(1)),
  }),
  kubeconfig: s({
    env: "KUBECONFIG",
    flag: "kubeconfig",
    description: "kubeconfig file (default: in-cluster, then ~/.kube/config)",
    allowed: "a path",
    schema: optionalText,
  }),
  context: s({
    env: "DRIFT_CONTEXT",
    flag: "context",
    description: "kubeconfig context of the single cluster (default: current)",
    allowed: "a context name",
    schema: optionalText,
  }),
  config: s({
    env: "DRIFT_CONFIG",
    flag: "config",
    description:
      "engine configuration file: ignore rules, imperative managers, severity rules (re-read at each resync)",
    allowed: "a path to a YAML file (docs/ignore-rules.md)",
    schema: optionalText,
  }),
  interval: s({
    env: "DRIFT_INTERVAL",
    flag: "interval",
    description: "full resync period",
    allowed: "a duration such as 30s, 5m or 1h",
    default: "5m",
    schema: durationSchema,
  }),
  sourcePoll: s({
    env: "DRIFT_SOURCE_POLL",
    flag: "source-poll",
    description: "how often the desired-state source is checked for changes",
    allowed: "a duration such as 5s",
    default: "5s",
    schema: durationSchema,
  }),
  mode: s({
    env: "DRIFT_MODE",
    flag: "mode",
    description: "comparison mode",
    allowed: "server, client or auto",
    default: "auto",
    schema: enumSchema(["server", "client", "auto"]),
  }),
  remediation: s({
    env: "DRIFT_REMEDIATION",
    flag: "remediation",
    description: "remediation",
    allowed: "off, suggest or auto",
    default: "off",
    schema: enumSchema(["off", "suggest", "auto"]),
  }),
  databaseUrl: s({
    env: "DATABASE_URL",
    flag: "database-url",
    description: "PostgreSQL for state (required for more than one replica)",
    allowed: "a postgres:// or postgresql:// URL",
    secret: true,
    schema: z.string().regex(/^postgres(ql)?:\/\/.+/),
  }),
  databaseConnectTimeout: s({
    env: "DRIFT_DATABASE_CONNECT_TIMEOUT",
    flag: "database-connect-timeout",
    description: "PostgreSQL: give up opening a connection after this long",
    allowed: "a duration such as 10s",
    default: "10s",
    schema: durationSchema,
  }),
  databaseStatementTimeout: s({
    env: "DRIFT_DATABASE_STATEMENT_TIMEOUT",
    flag: "database-statement-timeout",
    description: "PostgreSQL: cancel a statement after this long (the client stops waiting 2s later)",
    allowed: "a duration such as 30s",
    default: "30s",
    schema: durationSchema,
  }),
  databaseIdleInTransactionTimeout: s({
    env: "DRIFT_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT",
    flag: "database-idle-in-transaction-timeout",
    description: "PostgreSQL: end a session idle inside a transaction after this long",
    allowed: "a duration such as 60s",
    default: "60s",
    schema: durationSchema,
  }),
  detectionStallTimeout: s({
    env: "DRIFT_DETECTION_STALL_TIMEOUT",
    flag: "detection-stall-timeout",
    description:
      "/healthz fails when a leading cluster's detection loop made no progress for the resync interval plus this",
    allowed: "a duration such as 10m",
    default: "10m",
    schema: durationSchema,
  }),
  watchSilenceTimeout: s({
    env: "DRIFT_WATCH_SILENCE_TIMEOUT",
    flag: "watch-silence-timeout",
    description: "a watch that brought nothing (not even a bookmark) for this long is dropped and its kind relisted",
    allowed: "a duration such as 3m",
    default: "3m",
    schema: durationSchema,
  }),
  storeLagLimit: s({
    env: "DRIFT_STORE_LAG_LIMIT",
    flag: "store-lag-limit",
    description: "not ready while a drift record change has waited longer than this for the store",
    allowed: "a duration such as 60s",
    default: "60s",
    schema: durationSchema,
  }),
  historyRetention: s({
    env: "DRIFT_HISTORY_RETENTION",
    flag: "history-retention",
    description:
      "resolved drift records (and their analyses and snoozes) older than this are deleted in the background; open ones never",
    allowed: "a duration such as 90d",
    default: "90d",
    schema: durationSchema,
  }),
  auditRetention: s({
    env: "DRIFT_AUDIT_RETENTION",
    flag: "audit-retention",
    description:
      "remediation audit entries older than this are deleted in the background, except those of open records",
    allowed: "a duration such as 365d",
    default: "365d",
    schema: durationSchema,
  }),
  dataDir: s({
    env: "DRIFT_DATA_DIR",
    flag: "data-dir",
    description: "where the embedded store lives",
    allowed: "a directory path",
    default: "./data",
    schema: optionalText,
  }),
  listen: s({
    env: "DRIFT_LISTEN",
    flag: "listen",
    description: "HTTP listen address (API, /metrics, /healthz, /readyz)",
    allowed: "HOST:PORT, e.g. 0.0.0.0:8080",
    default: "0.0.0.0:8080",
    schema: listenSchema,
  }),
  apiToken: s({
    env: "DRIFT_API_TOKEN",
    flag: "api-token",
    description:
      "a static bearer token with every API permission, for local use (cluster tokens go through TokenReview)",
    allowed: "a token of at least 16 characters",
    secret: true,
    schema: z.string().min(16),
  }),
  metricsAuth: s({
    env: "DRIFT_METRICS_AUTH",
    flag: "metrics-auth",
    description: "whether /metrics needs a bearer token allowed `get` on the path /metrics (off loopback)",
    allowed: "token or open",
    default: "token",
    schema: enumSchema(["token", "open"]),
  }),
  allowedHosts: s({
    env: "DRIFT_ALLOWED_HOSTS",
    flag: "allowed-host",
    description: "host names the HTTP server answers to besides IP literals and localhost (DNS rebinding)",
    allowed: "names, comma-separated (or the flag repeated); `.example.com` allows every name under it",
    default: "",
    schema: listSchema,
  }),
  sseMaxConnections: s({
    env: "DRIFT_SSE_MAX_CONNECTIONS",
    flag: "sse-max-connections",
    description: "event streams (/api/events) served at once",
    allowed: "a positive integer",
    default: "200",
    schema: positiveIntSchema,
  }),
  sseMaxPerClient: s({
    env: "DRIFT_SSE_MAX_PER_CLIENT",
    flag: "sse-max-per-client",
    description: "event streams per identity (or remote address, unauthenticated)",
    allowed: "a positive integer",
    default: "10",
    schema: positiveIntSchema,
  }),
  secretHashKey: s({
    env: "DRIFT_SECRET_HASH_KEY",
    flag: "secret-hash-key",
    description: "key of the Secret value hashes (default: made on first start and kept in the store)",
    allowed: "at least 32 characters",
    secret: true,
    schema: z.string().min(32),
  }),
  webhookUrl: s({
    env: "DRIFT_WEBHOOK_URL",
    flag: "webhook-url",
    description: "Slack-compatible webhook for drift notifications",
    allowed: "an http(s) URL",
    secret: true,
    schema: urlSchema.regex(/^https?:\/\//),
  }),
  webhookTimeout: s({
    env: "DRIFT_WEBHOOK_TIMEOUT",
    flag: "webhook-timeout",
    description: "a webhook notification attempt gives up after this long (then retried with backoff)",
    allowed: "a duration such as 10s",
    default: "10s",
    schema: durationSchema,
  }),
  eventBurst: s({
    env: "DRIFT_EVENT_BURST",
    flag: "event-burst",
    description:
      "Kubernetes Events per object at once; beyond it one per DRIFT_EVENT_REFILL (the next says how many were suppressed)",
    allowed: "a positive integer",
    default: "25",
    schema: positiveIntSchema,
  }),
  eventRefill: s({
    env: "DRIFT_EVENT_REFILL",
    flag: "event-refill",
    description: "an object over its Event burst gets one more Event per this interval",
    allowed: "a duration such as 5m",
    default: "5m",
    schema: durationSchema,
  }),
  analysis: s({
    env: "DRIFT_ANALYSIS",
    flag: "analysis",
    description: "drift analysis provider",
    allowed: "claude, rules or off",
    default: "claude",
    schema: enumSchema(["claude", "rules", "off"]),
  }),
  dryRunConcurrency: s({
    env: "DRIFT_DRYRUN_CONCURRENCY",
    flag: "dryrun-concurrency",
    description: "server-side dry-runs (and live reads) in flight at once per cluster",
    allowed: "a positive integer",
    default: "16",
    schema: positiveIntSchema,
  }),
  analysisMaxPerHour: s({
    env: "DRIFT_ANALYSIS_MAX_PER_HOUR",
    flag: "analysis-max-per-hour",
    description: "LLM analyses per hour before falling back to rules",
    allowed: "a positive integer",
    default: "60",
    schema: positiveIntSchema,
  }),
  analysisTimeout: s({
    env: "DRIFT_ANALYSIS_TIMEOUT",
    flag: "analysis-timeout",
    description: "a model request gives up after this long (default 60s for Claude, 120s for a local model)",
    allowed: "a duration such as 60s",
    schema: durationSchema,
  }),
  analysisMaxWait: s({
    env: "DRIFT_ANALYSIS_MAX_WAIT",
    flag: "analysis-max-wait",
    description:
      "a drift whose model is unavailable (429, overloaded, down) waits this long for its analysis, then keeps the rules' one",
    allowed: "a duration such as 1h",
    default: "1h",
    schema: durationSchema,
  }),
  claudeApiKey: s({
    env: "CLAUDE_API_KEY",
    aliases: ["ANTHROPIC_API_KEY"],
    flag: "claude-api-key",
    description: "Anthropic API key",
    allowed: "an API key",
    secret: true,
    schema: optionalText,
  }),
  claudeModel: s({
    env: "CLAUDE_MODEL",
    flag: "claude-model",
    description: "model for analysis (default: a current Claude model)",
    allowed: "a model name",
    schema: optionalText,
  }),
  anthropicBaseUrl: s({
    env: "ANTHROPIC_BASE_URL",
    flag: "anthropic-base-url",
    description: "Anthropic API base URL (proxies, tests)",
    allowed: "an http(s) URL",
    schema: urlSchema,
  }),
  claudeDebugLogging: s({
    env: "CLAUDE_DEBUG_LOGGING",
    flag: "claude-debug-logging",
    description: "log each prompt and response (redacted) at debug level",
    allowed: "true or false",
    default: "true",
    schema: booleanSchema,
  }),
  llmUrl: s({
    env: "DRIFT_LLM_URL",
    flag: "llm-url",
    description: "local model endpoint (OpenAI-compatible or Ollama)",
    allowed: "an http(s) URL",
    schema: urlSchema,
  }),
  llmModel: s({
    env: "DRIFT_LLM_MODEL",
    flag: "llm-model",
    description: "model name at DRIFT_LLM_URL",
    allowed: "a model name",
    schema: optionalText,
  }),
  llmApiKey: s({
    env: "DRIFT_LLM_API_KEY",
    flag: "llm-api-key",
    description: "API key for DRIFT_LLM_URL, if it wants one",
    allowed: "a key",
    secret: true,
    schema: optionalText,
  }),
  cubToken: s({
    env: "CUB_TOKEN",
    aliases: ["CONFIGHUB_TOKEN"],
    flag: "cub-token",
    description: "ConfigHub bearer token",
    allowed: "a token",
    secret: true,
    schema: optionalText,
  }),
  confighubUrl: s({
    env: "CONFIGHUB_URL",
    flag: "confighub-url",
    description: "ConfigHub server",
    allowed: "an http(s) URL",
    default: "https://hub.confighub.com",
    schema: urlSchema,
  }),
  leaderElection: s({
    env: "DRIFT_LEADER_ELECTION",
    flag: "leader-election",
    description: "elect a leader on a Lease (off: this replica always detects)",
    allowed: "true or false",
    default: "true",
    schema: booleanSchema,
  }),
  leaseName: s({
    env: "DRIFT_LEASE_NAME",
    flag: "lease-name",
    description: "name of the Lease (per cluster)",
    allowed: "a DNS-1123 name",
    default: "drift-detector",
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
  }),
  leaseNamespace: s({
    env: "DRIFT_LEASE_NAMESPACE",
    aliases: ["POD_NAMESPACE"],
    flag: "lease-namespace",
    description: "namespace of the Lease (default: the pod's, else default)",
    allowed: "a namespace name",
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  }),
  leaseDuration: s({
    env: "DRIFT_LEASE_DURATION",
    flag: "lease-duration",
    description: "how long a dead leader keeps the lease",
    allowed: "a duration of at least 2s, e.g. 15s",
    default: "15s",
    schema: durationSchema.pipe(z.number().min(2000)),
  }),
  sharding: s({
    env: "DRIFT_SHARDING",
    flag: "sharding",
    description:
      "share the cluster sources (shards) among the replicas: auto = with PostgreSQL, leader election and more than one source",
    allowed: "auto or off",
    default: "auto",
    schema: enumSchema(["auto", "off"]),
  }),
  identity: s({
    env: "DRIFT_IDENTITY",
    flag: "identity",
    description:
      "who changed it, as a person: admission = an always-allowing, fail-open admission webhook (it also takes audit events at /audit); audit = only the apiserver's audit webhook backend posting to /audit",
    allowed: "off, admission or audit",
    default: "off",
    schema: enumSchema(["off", "admission", "audit"]),
  }),
  admissionListen: s({
    env: "DRIFT_ADMISSION_LISTEN",
    flag: "admission-listen",
    description: "HTTPS listen address of the admission webhook (DRIFT_IDENTITY=admission)",
    allowed: "HOST:PORT, e.g. 0.0.0.0:8443",
    default: "0.0.0.0:8443",
    schema: listenSchema,
  }),
  admissionUrl: s({
    env: "DRIFT_ADMISSION_URL",
    flag: "admission-url",
    description: "the webhook's address for the apiserver (default: the drift-detector Service in the lease namespace)",
    allowed: "an https URL",
    schema: urlSchema.regex(/^https:\/\//),
  }),
  admissionCertDir: s({
    env: "DRIFT_ADMISSION_CERT_DIR",
    flag: "admission-cert-dir",
    description: "directory with tls.crt, tls.key and ca.crt (a mounted Secret); default: generated at start",
    allowed: "a directory path",
    schema: optionalText,
  }),
  identityToModel: s({
    env: "DRIFT_IDENTITY_TO_MODEL",
    flag: "identity-to-model",
    description: "send who changed a drift (username, groups) to the analysis model",
    allowed: "true or false",
    default: "false",
    schema: booleanSchema,
  }),
  logLevel: s({
    env: "DRIFT_LOG_LEVEL",
    aliases: ["LOG_LEVEL"],
    flag: "log-level",
    description: "log level",
    allowed: "trace, debug, info, warn or error",
    default: "info",
    schema: enumSchema(["trace", "debug", "info", "warn", "error"]),
  }),
};

export type RunSettings = SettingsOf<typeof RUN_SETTINGS>;

export interface ClusterSpec {
  /** Kubeconfig context; undefined = the current one. */
  context?: string;
  source: string;
}

/** Loads and validates; cross-setting rules give one line too. */
export function loadRunSettings(input: SettingsInput): RunSettings {
  const settings = loadSettings(RUN_SETTINGS, input);
  if (!settings.source && !settings.clusters) {
    throw new SettingsError(
      "DRIFT_SOURCE is required: a directory, hub:SPACE or confighub:SPACE (or DRIFT_CLUSTERS with CONTEXT=SOURCE pairs)",
    );
  }
  // A local model alone is enough for `claude` (the providers are tried in order: Claude, local model, rules).
  if (settings.analysis === "claude" && !settings.claudeApiKey && !settings.llmUrl) {
    throw new SettingsError(
      "CLAUDE_API_KEY is required when DRIFT_ANALYSIS=claude (set it or ANTHROPIC_API_KEY, or DRIFT_LLM_URL for a local model, or DRIFT_ANALYSIS=rules or off)",
    );
  }
  return settings;
}

/** Whether the sources are sharded among the replicas (src/sharding/); one source is simply led. */
export function shardingOn(settings: RunSettings): boolean {
  return (
    settings.sharding === "auto" &&
    settings.leaderElection &&
    settings.databaseUrl !== undefined &&
    clusterSpecs(settings).length > 1
  );
}

export function clusterSpecs(settings: RunSettings): ClusterSpec[] {
  if (settings.clusters) {
    return settings.clusters.map((pair) => {
      const i = pair.indexOf("=");
      return { context: pair.slice(0, i), source: pair.slice(i + 1) };
    });
  }
  return [{ context: settings.context, source: settings.source as string }];
}
