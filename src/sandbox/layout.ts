import { join, resolve } from "node:path";
import { PKI_FILES } from "./pki.js";

/** The three processes a sandbox runs, in start order. */
export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager"] as const;
export type Component = (typeof COMPONENTS)[number];

/** Every path a sandbox uses; all of it lives under its folder D. */
export interface SandboxLayout {
  dir: string;
  pkiDir: string;
  pki: { [K in keyof typeof PKI_FILES]: string };
  etcdDataDir: string;
  kubeconfig: string;
  controllerManagerKubeconfig: string;
  kubectl: string;
  stateFile: string;
  pidFile(c: Component): string;
  logFile(c: Component): string;
}

export function sandboxLayout(dir: string): SandboxLayout {
  const d = resolve(dir);
  const pkiDir = join(d, "pki");
  const pki = Object.fromEntries(
    Object.entries(PKI_FILES).map(([k, f]) => [k, join(pkiDir, f)]),
  ) as SandboxLayout["pki"];
  return {
    dir: d,
    pkiDir,
    pki,
    etcdDataDir: join(d, "etcd"),
    kubeconfig: join(d, "kubeconfig"),
    controllerManagerKubeconfig: join(d, "run", "controller-manager.kubeconfig"),
    kubectl: join(d, "bin", "kubectl"),
    stateFile: join(d, "run", "state.json"),
    pidFile: (c) => join(d, "run", `${c}.pid`),
    logFile: (c) => join(d, "logs", `${c}.log`),
  };
}
