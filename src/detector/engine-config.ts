// The service's engine settings: the configuration file (DRIFT_CONFIG), read again at every full resync so an edited
// ConfigMap applies without a restart, merged with the ignore rules remediation added from drift records.
import type { Logger } from "pino";
import { loadEngineConfigFile } from "../detection/engine-config-file.js";
import type { EngineConfig } from "../drift/config.js";
import type { IgnoreRule } from "../drift/engine.js";
import { errorMessage } from "../lib/errors.js";

export class ServiceEngineConfig {
  private file: EngineConfig = {};
  private merged: { file: IgnoreRule[] | undefined; store: IgnoreRule[]; rules: IgnoreRule[] } | undefined;

  /** Remediation's holder (src/service/remediation.ts): it replaces `ignoreRules` when a rule is added. */
  storeRules: { readonly ignoreRules: IgnoreRule[] } = { ignoreRules: [] };

  /** The installation's key for Secret value hashes (src/service/hash-key.ts). */
  secretHashKey: string | undefined;

  /** @param path DRIFT_CONFIG, if set */
  constructor(
    private readonly path: string | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * At start: a bad file refuses the start (throws EngineConfigError). A missing one is the defaults: the
   * deployment mounts an optional ConfigMap, which may be created later (read at the next resync).
   */
  async load(): Promise<void> {
    if (!this.path) return;
    const file = await loadEngineConfigFile(this.path, { missingOk: true });
    if (file === undefined) this.logger.info({ path: this.path }, "no configuration file yet; using the defaults");
    this.file = file ?? {};
  }

  /** At a full resync: a file that became bad is logged and the last good configuration kept. */
  async reload(): Promise<void> {
    if (!this.path) return;
    try {
      this.file = (await loadEngineConfigFile(this.path, { missingOk: true })) ?? {};
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, "configuration file invalid; keeping the previous configuration");
    }
  }

  /** Engine options for the detectors, read at every detection (`detect` spreads them). */
  readonly engine = Object.defineProperties({} as EngineConfig & { secretHashKey?: string }, {
    ignoreRules: { enumerable: true, get: () => this.ignoreRules() },
    imperativeManagers: { enumerable: true, get: () => this.file.imperativeManagers },
    severityRules: { enumerable: true, get: () => this.file.severityRules },
    secretHashKey: { enumerable: true, get: () => this.secretHashKey },
  });

  // The same array while neither part changed: the engine compiles rules once per array.
  private ignoreRules(): IgnoreRule[] {
    const file = this.file.ignoreRules;
    const store = this.storeRules.ignoreRules;
    let merged = this.merged;
    if (merged === undefined || merged.file !== file || merged.store !== store) {
      merged = { file, store, rules: [...(file ?? []), ...store] };
      this.merged = merged;
    }
    return merged.rules;
  }
}
