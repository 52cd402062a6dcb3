// Two replicas in process sharing PostgreSQL and a Lease on the sandbox's real apiserver; the leader reaches the
// apiserver through a TCP pass-through that the test stalls (its lease renewals hang, as behind a dead route). The
// leader must stop leading on its own renew deadline, before the follower may take over; the follower then detects
// and announces; nothing is announced twice, nothing falsely resolved; the old leader stays a follower once back.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import type { RunningService } from "../../src/service/service.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";
import { createTestDatabase } from "../helpers/stores.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

describe("the leader's lease renewals blocked while a second replica runs", () => {
  const work = mkdtempSync(join(tmpdir(), "svc-lease-faults-"));
  const services: RunningService[] = [];
  let proxy: TcpProxy | undefined;
  let ns: TestNamespace | undefined;
  afterAll(async () => {
    proxy?.restore();
    for (const s of services) await s.stop();
    await proxy?.close();
    await ns?.delete();
    rmSync(work, { recursive: true, force: true });
  });

  it("steps down before the follower takes over; the follower goes on; nothing twice", async () => {
    ns = await createTestNamespace(loadKubeConfig(), "lease");
    const docs = ["first", "second"].map((name) => modeConfigMap(ns!.name, name, "declared"));
    kubectlWithInput(["apply", "--server-side", "-f", "-"], docs.join("---\n"));
    const source = join(work, "desired");
    mkdirSync(source);
    writeFileSync(join(source, "objects.yaml"), docs.join("---\n"));
    const databaseUrl = await createTestDatabase();

    const config = parse(readFileSync(inject("kubeconfig"), "utf8"));
    const server = new URL(config.clusters[0].cluster.server);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
    config.clusters[0].cluster.server = `https://127.0.0.1:${proxy.port}`;
    const proxied = join(work, "proxied.kubeconfig");
    writeFileSync(proxied, stringify(config), { mode: 0o600 });

    // Lease 6 s: renew deadline 4 s, retry 1.2 s, each attempt abandoned after 2 s (the 15/10/2 s defaults, scaled).
    const replica = async (name: string, kubeconfig: string, lines: LogLine[]) => {
      const s = await startReadyService({
        settings: testRunSettings({
          source,
          kubeconfig,
          dataDir: join(work, `data-${name}`),
          analysis: "off",
          databaseUrl,
          leaderElection: "true",
          leaseNamespace: ns!.name,
          leaseName: "fault",
          leaseDuration: "6s",
        }),
        log: logSink(lines),
      });
      services.push(s);
      return s;
    };
    const aLines: LogLine[] = [];
    const bLines: LogLine[] = [];
    const a = await replica("a", proxied, aLines);
    await until("a leads", () => a.detectors[0].running && a.detectors[0].stats.full > 0);
    const b = await replica("b", inject("kubeconfig"), bLines);
    const cm = (name: string) => `ConfigMap ${ns!.name}/${name}`;
    const count = (lines: LogLine[], event: string, name: string) =>
      lines.filter((l) => l.event === event && l.resource === cm(name)).length;
    const firstAt = (lines: LogLine[], msg: string) => {
      const time = lines.find((l) => l.msg === msg)?.time;
      return time === undefined ? undefined : typeof time === "number" ? time : Date.parse(String(time));
    };

    kubectlIn(ns.name, "patch", "configmap", "first", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await until("first announced by a", () => count(aLines, "opened", "first") === 1);
    expect(b.detectors[0].running).toBe(false);

    const stalledAt = Date.now();
    proxy.stall();
    const aDown = await until("a stops leading", () => firstAt(aLines, "stopped leading"), 20_000);
    const bUp = await until("b leads", () => firstAt(bLines, "became leader"), 30_000);
    expect(aDown).toBeLessThan(bUp); // never two leaders at once
    expect(aLines.some((l) => l.msg === "lease not renewed within the renew deadline")).toBe(true);
    await until("b detecting", () => b.detectors[0].running && b.detectors[0].stats.full > 0, 30_000);

    kubectlIn(ns.name, "patch", "configmap", "second", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await until("second announced by b", () => count(bLines, "opened", "second") === 1);

    proxy.restore();
    kubectlIn(ns.name, "patch", "configmap", "first", "--type=merge", "-p", '{"data":{"mode":"declared"}}');
    await until("first resolved by b", () => count(bLines, "resolved", "first") === 1);
    // a reaches the apiserver again (it renews nothing: b holds the lease) and stays a follower.
    await until(
      "a back in standby",
      () => !a.detectors[0].running && a.readiness.report()[`cluster ${a.detectors[0].name}`] === "ok",
      30_000,
    );

    for (const name of ["first", "second"]) {
      expect(count(aLines, "opened", name) + count(bLines, "opened", name)).toBe(1);
    }
    expect(count(aLines, "resolved", "first") + count(bLines, "resolved", "first")).toBe(1);
    expect([...aLines, ...bLines].filter((l) => l.event === "resolved")).toHaveLength(1);
    expect(aLines.filter((l) => l.msg === "became leader")).toHaveLength(1);
    process.stderr.write(
      `[lease-stall] a stepped down ${aDown - stalledAt} ms after the stall, b led ${bUp - stalledAt} ms after it\n`,
    );
  }, 240_000);
});
