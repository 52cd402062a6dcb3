import type { SandboxLayout } from "./layout.js";

export interface SandboxPorts {
  etcd: number;
  apiserver: number;
  controllerManager: number;
}

export const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";
/** Fixed, not port-derived, so tokens stay valid when a restart picks other ports. */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/**
 * The controllers a sandbox runs: the issue's list (namespaces really delete, default ServiceAccounts and their
 * tokens appear, workloads churn status, owners cascade) plus the two every real cluster has that objects we watch
 * depend on: the kube-root-ca.crt ConfigMap in each namespace and the aggregated admin/edit/view ClusterRoles;
 * and the volume protection controllers.
 */
export const CONTROLLERS = [
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "deployment-controller",
  "replicaset-controller",
  "statefulset-controller",
  "daemonset-controller",
  "job-controller",
  "cronjob-controller",
  "garbage-collector-controller",
  "root-ca-certificate-publisher-controller",
  "clusterrole-aggregation-controller",
  // Without these, the protection finalizers on PVCs/PVs are never removed and their namespaces never finish deleting.
  "persistentvolumeclaim-protection-controller",
  "persistentvolume-protection-controller",
];

export function etcdArgs(l: SandboxLayout, p: SandboxPorts): string[] {
  const client = `http://127.0.0.1:${p.etcd}`;
  return [
    `--data-dir=${l.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    // A single member never talks to peers; port 0 avoids claiming (and colliding on) a second port.
    "--listen-peer-urls=http://127.0.0.1:0",
    // Throwaway data: skipping fsync makes writes fast; a killed process loses nothing the kernel already has.
    "--unsafe-no-fsync=true",
    "--log-level=warn",
  ];
}

/** Flags after controller-runtime's envtest, made secure (client certificates, RBAC) and able to issue tokens. */
export function apiserverArgs(l: SandboxLayout, p: SandboxPorts, opts: { withControllerManager: boolean }): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${p.etcd}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${p.apiserver}`,
    `--tls-cert-file=${l.pki.servingCert}`,
    `--tls-private-key-file=${l.pki.servingKey}`,
    `--client-ca-file=${l.pki.caCert}`,
    `--requestheader-client-ca-file=${l.pki.frontProxyCaCert}`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    "--authorization-mode=RBAC",
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${l.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${l.pki.serviceAccountKey}`,
    "--allow-privileged=true",
    // Without the controller manager no `default` ServiceAccount ever appears, and this plugin would reject every Pod.
    ...(opts.withControllerManager ? [] : ["--disable-admission-plugins=ServiceAccount"]),
  ];
}

export function controllerManagerArgs(l: SandboxLayout, p: SandboxPorts): string[] {
  return [
    `--kubeconfig=${l.controllerManagerKubeconfig}`,
    `--authentication-kubeconfig=${l.controllerManagerKubeconfig}`,
    `--authorization-kubeconfig=${l.controllerManagerKubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${p.controllerManager}`,
    `--controllers=${CONTROLLERS.join(",")}`,
    "--leader-elect=false",
    // As kubeadm does: each controller acts as its own ServiceAccount, so managedFields and RBAC look like production.
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
    `--root-ca-file=${l.pki.caCert}`,
  ];
}
