import { describe, expect, it } from "vitest";
import { slackMessage } from "../../../src/detector/reporters/webhook.js";
import { slackEscape, stripTerminal, stripTerminalDeep } from "../../../src/lib/escape.js";
import { aChange } from "../../helpers/builders.js";

describe("escaping", () => {
  it("escapes Slack mrkdwn so a manager named <!channel> pings no one", () => {
    expect(slackEscape("<!channel> & <https://x|y>")).toBe("&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
    const record = {
      id: "d1",
      cluster: "c",
      ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "<!here>" },
      severity: "low",
      resourceStatus: "Drifted",
      changes: [
        aChange({
          field: "data.`x`<@U123>",
          by: { manager: "<!channel>", operation: "Update", subresource: "", time: null },
        }),
      ],
    } as never;
    const msg = JSON.stringify(slackMessage({ event: "opened", record }));
    for (const bad of ["<!channel>", "<!here>", "<@U123>"]) expect(msg).not.toContain(bad);
    expect(msg).toContain("&lt;!channel&gt;");
  });

  it("strips terminal control sequences, keeping tabs and newlines", () => {
    const evil = "ok\u001b[2J\u001b]0;pwned\u0007\u001b]8;;http://x\u001b\\link\u001b[31mred\u0008\r\tend\n";
    expect(stripTerminal(evil)).toBe("oklinkred\tend\n");
    expect(stripTerminalDeep({ a: ["\u001b[1mb"], n: 1 })).toEqual({ a: ["b"], n: 1 });
    // Only what holds such a string is copied; keys are stripped too.
    const clean = { a: ["b"], n: 1, nested: { s: "x\ty" } };
    expect(stripTerminalDeep(clean)).toBe(clean);
    const dirty = { keep: { s: "x" }, "k\u001b[1m": "v", list: ["a", "\u0007b"] };
    const out = stripTerminalDeep(dirty) as Record<string, unknown>;
    expect(out).toEqual({ keep: { s: "x" }, k: "v", list: ["a", "b"] });
    expect(out.keep).toBe(dirty.keep);
    expect(dirty.list).toEqual(["a", "\u0007b"]);
  });
});
