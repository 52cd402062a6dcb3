import { execFile } from "node:child_process";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../drift/types.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { kubectlFor } from "../sandbox/kubectl.js";

export interface KubectlResult {
  stdout: string;
  stderr: string;
}

/** Runs kubectl; a non-zero exit rejects with an Error carrying kubectl's own message (its stderr). */
export function kubectl(
  args: string[],
  opts: { kubeconfig?: string; kubectl?: string; input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  const bin = opts.kubectl ?? kubectlFor(opts.kubeconfig);
  const fullArgs = opts.kubeconfig ? ["--kubeconfig", opts.kubeconfig, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      fullArgs,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const message = stderr.trim() || err.message;
          reject(new Error(`kubectl ${args.slice(0, 2).join(" ")}: ${message}`));
        } else resolve({ stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The objects of a multi-document YAML text (empty documents and `List` wrappers flattened away). */
export function parseObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text, MANIFEST_YAML)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
    const value = doc.toJS() as KubeObject | null;
    if (!value) continue;
    if (value.kind?.endsWith("List") && Array.isArray(value.items)) out.push(...(value.items as KubeObject[]));
    else out.push(value);
  }
  return out;
}

/** Renders a Kustomize directory with `kubectl kustomize` (Kustomize is built into kubectl: no extra binary). */
export async function renderKustomization(dir: string, opts: { kubectl?: string } = {}): Promise<KubeObject[]> {
  const { stdout } = await kubectl(["kustomize", dir], { kubectl: opts.kubectl });
  return parseObjects(stdout);
}
