import { join, resolve } from "node:path";

/** Everything one demo owns lives under one folder (default `.demo/`): state, data, logs and pid files. */
export interface DemoLayout {
  dir: string;
  /** The sandbox control plane's folder (kubeconfig, bin/kubectl, etcd data). */
  sandboxDir: string;
  /** The embedded hub's store. */
  hubDataDir: string;
  /** The detector service's embedded store. */
  detectorDataDir: string;
  logsDir: string;
  runDir: string;
  /** What a later `demo --stop` or a second `demo` needs: ports, tokens, the prefix. Mode 0600 (it holds tokens). */
  stateFile: string;
  pidFile(service: DemoService): string;
  logFile(service: DemoService): string;
}

export type DemoService = "hub" | "detector";
export const DEMO_SERVICES: DemoService[] = ["hub", "detector"];

export function demoLayout(dir = ".demo"): DemoLayout {
  const root = resolve(dir);
  return {
    dir: root,
    sandboxDir: join(root, "sandbox"),
    hubDataDir: join(root, "hub"),
    detectorDataDir: join(root, "detector"),
    logsDir: join(root, "logs"),
    runDir: join(root, "run"),
    stateFile: join(root, "state.json"),
    pidFile: (s) => join(root, "run", `${s}.pid`),
    logFile: (s) => join(root, "logs", `${s}.log`),
  };
}
