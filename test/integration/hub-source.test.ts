import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubSource, parseDocuments } from "../../src/desired/hub.js";
import { SourceUnavailableError } from "../../src/desired/source.js";
import { EmbeddedHubApi, type HubApi } from "../../src/hub/api.js";
import { Hub } from "../../src/hub/hub.js";
import { globalAppData } from "../helpers/global-app.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

describe.each(STORE_KINDS)("hub:SPACE source on %s", (kind) => {
  let store: TestStore;
  let api: HubApi;
  const fetches = { n: 0 };

  beforeAll(async () => {
    store = await openTestStore(kind);
    const inner = new EmbeddedHubApi(new Hub(store.db), "test");
    // Counts data transfers, to show that an unchanged hub costs none.
    api = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === "getUnitData" || prop === "getRevisionData") fetches.n++;
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    await api.createSpace({ Slug: "app-qa", Labels: { watch: "true" } });
    await api.createSpace({ Slug: "app-prod", Labels: { watch: "true" } });
    await api.createSpace({ Slug: "other" });
    await api.createUnit("app-qa", { Slug: "backend", Data: globalAppData("backend") });
    await api.createUnit("app-prod", { Slug: "frontend", Data: globalAppData("frontend") });
    await api.createUnit("other", { Slug: "ollama", Data: globalAppData("ollama") });
  });
  afterAll(async () => store?.cleanup());

  it("reads every unit of the spaces a where selects, with provenance", async () => {
    const snap = await new HubSource(api, "hub", "Labels.watch = 'true'").load();
    expect(snap.errors).toEqual([]);
    expect(
      snap.objects.map((o) => `${o.source.type === "hub" && o.source.space}/${o.ref.kind}/${o.ref.name}`).sort(),
    ).toEqual([
      "app-prod/Deployment/frontend",
      "app-prod/Service/frontend",
      "app-qa/Deployment/backend",
      "app-qa/Service/backend",
    ]);
    expect(snap.objects[0].source).toMatchObject({ type: "hub", revision: 1 });
  });

  it("compares with the applied revision by default and with head on request; version follows", async () => {
    const applied = new HubSource(api, "hub", "app-qa");
    const head = new HubSource(api, "hub", "app-qa", "head");
    const v1 = (await applied.load()).version;
    await api.markApplied("app-qa", "backend", 1);
    await api.putUnitData("app-qa", "backend", globalAppData("backend").replace("backend:1.1.1", "backend:1.1.2"));
    const a = await applied.load();
    const h = await head.load();
    const image = (s: typeof a) => JSON.stringify(s.objects.find((o) => o.ref.kind === "Deployment")?.object);
    expect(image(a)).toContain("backend:1.1.1");
    expect(a.objects[0].source).toMatchObject({ revision: 1 });
    expect(image(h)).toContain("backend:1.1.2");
    expect(h.objects[0].source).toMatchObject({ revision: 2 });
    expect(h.version).not.toBe(v1);
    const again = await head.load();
    expect(again.version).toBe(h.version);
  });

  it("fetches no data while nothing changed", async () => {
    const src = new HubSource(api, "hub", "app-prod", "head");
    await src.load();
    const before = fetches.n;
    await src.load();
    expect(fetches.n).toBe(before);
    await api.putUnitData("app-prod", "frontend", globalAppData("frontend").replace("replicas: 1", "replicas: 2"));
    await src.load();
    expect(fetches.n).toBe(before + 1);
  });

  it("reports a bad document on its own and an unknown space as unavailable", async () => {
    const source = { type: "hub" as const, space: "s", unit: "u", revision: 3 };
    const parsed = parseDocuments(`${globalAppData("ollama")}---\nkind: [\n---\n- a list\n`, source);
    expect(parsed.objects.map((o) => o.ref.kind)).toEqual(["Deployment", "Service"]);
    expect(parsed.errors).toEqual([
      { source, error: expect.stringMatching(/^invalid YAML/) },
      { source, ref: expect.anything(), error: expect.stringMatching(/not a Kubernetes object/) },
    ]);
    await expect(new HubSource(api, "hub", "nope").load()).rejects.toBeInstanceOf(SourceUnavailableError);
    await expect(new HubSource(api, "hub", "Slug = ").load()).rejects.toThrow(/hub:Slug = : where: expected a value/);
  });
});
