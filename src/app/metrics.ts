// One Prometheus registry per app, with the default process metrics (CPU, memory, event loop, handles).
import { collectDefaultMetrics, Registry } from "prom-client";

export function createMetricsRegistry(prefix = ""): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}
