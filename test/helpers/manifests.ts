// Desired-state YAML shared by the service suites.

/** A `web` Deployment (2 replicas, nginx) and a `settings` ConfigMap (`mode: fast`) in `namespace`. */
export const webAndSettings = (namespace: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${namespace}}
spec:
  replicas: 2
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
