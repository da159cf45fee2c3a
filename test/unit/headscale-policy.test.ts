import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { forHeadscale, headscaleUser, parseHujson } from "../../core/render/headscale-policy";
import { plan } from "../../core/plan/plan";
import { stackFleet } from "../support/stacks";

describe("the headscale substitution", () => {
  test("replaces autogroup:admin, and only it, with the headscale user", () => {
    const policy = plan(stackFleet("homelab")).mesh?.policy;
    assert.ok(policy);
    const text = JSON.stringify(policy);
    assert.ok(text.includes("autogroup:admin") && text.includes("autogroup:member"));
    const swapped = forHeadscale(policy, "ops");
    const swappedText = JSON.stringify(swapped);
    assert.ok(!swappedText.includes("autogroup:admin"));
    assert.equal(swappedText, text.replaceAll("\"autogroup:admin\"", "\"ops@\""));
    assert.ok(swappedText.includes("autogroup:member"), "autogroup:member (which headscale knows) stays");
    assert.equal(JSON.stringify(policy), text, "the input is not changed");
  });

  test("refuses a user name headscale could not hold", () => {
    assert.equal(headscaleUser("ops"), "ops@");
    assert.throws(() => headscaleUser("Ops Team"), /headscale user 'Ops Team'/);
    assert.throws(() => headscaleUser("a@b"), /lowercase/);
  });
});

describe("parseHujson", () => {
  test("reads comments and trailing commas, leaving strings alone", () => {
    const text = `// header\n{\n  /* block */ "a": ["x // not a comment", "y,]",], // tail\n  "b": {"c": "\\"q\\"",},\n}\n`;
    assert.deepEqual(parseHujson(text), { a: ["x // not a comment", "y,]"], b: { c: "\"q\"" } });
  });

  test("refuses unclosed strings and comments", () => {
    assert.throws(() => parseHujson("{\"a\": \"b}"), /string is never closed/);
    assert.throws(() => parseHujson("{/* x }"), /comment is never closed/);
  });
});
