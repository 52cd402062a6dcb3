// Reads the global engine configuration file (`check --config`, DRIFT_CONFIG); validation is src/drift/config.ts.
import { readFile } from "node:fs/promises";
import YAML from "yaml";
import { type EngineConfig, EngineConfigError, parseEngineConfig } from "../drift/config.js";

/**
 * The file's engine settings; any problem (unreadable, not YAML, invalid) is one EngineConfigError naming the file.
 * `missingOk`: a file that does not exist gives undefined (the service's optional ConfigMap, not created yet).
 */
export async function loadEngineConfigFile(path: string, opts: { missingOk: true }): Promise<EngineConfig | undefined>;
export async function loadEngineConfigFile(path: string, opts?: { missingOk?: false }): Promise<EngineConfig>;
export async function loadEngineConfigFile(
  path: string,
  opts: { missingOk?: boolean } = {},
): Promise<EngineConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (opts.missingOk && (err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EngineConfigError(`cannot read the configuration file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new EngineConfigError(
      `configuration file ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  return parseEngineConfig(doc, `configuration file ${path}`);
}
