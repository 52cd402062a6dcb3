import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The kubectl beside a sandbox's kubeconfig (the layout puts it at D/bin/kubectl), else the one on the PATH. */
export function kubectlFor(kubeconfig?: string): string {
  if (kubeconfig) {
    const beside = join(dirname(kubeconfig), "bin", "kubectl");
    if (existsSync(beside)) return beside;
  }
  return "kubectl";
}
