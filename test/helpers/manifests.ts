// Desired-state YAML shared by the service suites.

/** A `web` Deployment (nginx, 2 replicas unless told) and a `settings` ConfigMap (`mode: fast`) in `namespace`. */
export const webAndSettings = (namespace: string, replicas = 2) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${namespace}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${namespace}}
data: {mode: fast}
`;

/** A ConfigMap `name` in `namespace` whose one key `mode` is `mode`. */
export const modeConfigMap = (namespace: string, name: string, mode: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${namespace}}\ndata: {mode: ${mode}}\n`;

/**
 * cubbychat's `backend` Deployment (2 replicas) without a namespace, for `check --namespace`; with `requests`, its
 * container asks for CPU (as "0.5", which the apiserver keeps as given) and memory.
 */
export const backendDeployment = (requests = false) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  labels: {app: backend}
spec:
  replicas: 2
  selector:
    matchLabels: {app: backend}
  template:
    metadata:
      labels: {app: backend}
    spec:
      containers:
        - name: backend
          image: ghcr.io/confighubai/cubbychat/backend:1.1.1
${requests ? '          resources:\n            requests: {cpu: "0.5", memory: 256Mi}\n' : ""}`;

/** The `settings` ConfigMap (`LOG_LEVEL: info`) without a namespace. */
export const LOG_LEVEL_SETTINGS =
  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n";
