// `drift-detector run` started as users start it (npx, the bin) runs with the container's V8 flags: the process
// replaces itself with one started with them, keeping its PID; other commands start once, as they are.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/drift-detector.js");
const run = promisify(execFile);

let dir: string;
let probe: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "service-flags-"));
  probe = join(dir, "probe.cjs");
  // Loaded into every Node process started with NODE_OPTIONS: says which process it is and with which flags.
  await writeFile(
    probe,
    'process.stderr.write("PROBE " + process.pid + " " + JSON.stringify(process.execArgv) + "\\n");\n',
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function starts(args: string[]): Promise<Array<{ pid: string; flags: string[] }>> {
  const { stderr } = await run(process.execPath, [BIN, ...args], {
    env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
  });
  return [...stderr.matchAll(/^PROBE (\d+) (.*)$/gm)].map((m) => ({ pid: m[1]!, flags: JSON.parse(m[2]!) }));
}

async function binFlags(): Promise<string[]> {
  return JSON.parse(/SERVICE_NODE_FLAGS = (\[.*\]);/.exec(await readFile(BIN, "utf8"))![1]!) as string[];
}

it("the service's flags are the Dockerfile ENTRYPOINT's", async () => {
  const dockerfile = await readFile(join(ROOT, "Dockerfile"), "utf8");
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
  expect(entrypoint.slice(1, entrypoint.indexOf("dist/cli/main.js"))).toEqual(await binFlags());
});

it("run replaces itself, same PID, with the flags; other commands start once", async () => {
  const service = await starts(["run", "--help"]);
  expect(service).toHaveLength(2);
  expect(service[1]!.pid).toBe(service[0]!.pid);
  expect(service[0]!.flags).not.toContain("--liftoff-only");
  expect(service[1]!.flags).toEqual(expect.arrayContaining(await binFlags()));

  expect(await starts(["--help"])).toHaveLength(1);
  expect(await starts(["check", "--help"])).toHaveLength(1);
});
