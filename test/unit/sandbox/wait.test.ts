import { describe, expect, it } from "vitest";
import { errorLines } from "../../../src/sandbox/wait.js";

describe("what a failed component's log says", () => {
  it("picks etcd's error entries and Go panics over the noise", () => {
    const log = [
      '{"level":"info","msg":"starting"}',
      '{"level":"error","msg":"Opening bbolt db failed","error":"invalid database","stacktrace":"a\\nb"}',
      '{"level":"panic","msg":"failed to open database","error":"invalid database"}',
      "goroutine 1 [running]:",
      "\tgo.etcd.io/etcd/server/v3/storage/backend.go:75 +0x1a5",
    ].join("\n");
    expect(errorLines(log)).toBe(
      "error: Opening bbolt db failed: invalid database\npanic: failed to open database: invalid database",
    );
  });

  it("picks klog's error lines", () => {
    const log =
      'I1126 04:11:16.3 123 x.go:1] "fine"\nE1126 04:11:16.3 123 run.go:72] "command failed" err="bad flag"\n';
    expect(errorLines(log)).toBe('E1126 04:11:16.3 123 run.go:72] "command failed" err="bad flag"');
  });

  it("falls back to the last lines when nothing looks like an error", () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    expect(errorLines(log, 2).split("\n")).toEqual(["line 26", "line 27", "line 28", "line 29"]);
  });
});
