/**
 * Every string field of the fleet schema, filled with hostile text: the fleet is refused (schema or
 * check error), or every script the fabric renders from it — health checks, the store sync and setup
 * scripts, Ollama's start script and Modelfile, llama-swap commands, the burst boot script, mesh
 * join — keeps exactly the structure it has for the benign fleet: the same commands, operators and
 * expansions; only the text inside words may differ.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import YAML from "yaml";
import { tailscaleUpCommand } from "../../components/mesh-join";
import { setupScript } from "../../components/model-store";
import { burstBootScriptInput } from "../../core/burst/boot-input";
import { fleetJsonSchema } from "../../core/fleet/json-schema";
import { Fleet } from "../../core/fleet/schema";
import { plan } from "../../core/plan/plan";
import { renderBurstBootScript } from "../../core/render/burst-boot-script";
import { LLAMA_SWAP_CONFIG_PATH } from "../../core/render/engines/llama-swap";
import { describeStructure, shellStructure } from "../support/shell-structure";
import { slotsOf, stringFieldTemplates } from "../support/schema-strings";

const BASE_FILE = path.join(__dirname, "../fixtures/hostile-base.fleet.yaml");
const base = YAML.parse(readFileSync(BASE_FILE, "utf8")) as Record<string, unknown>;

/** Every shell script (and Modelfile) the fabric renders from a fleet, by where it comes from. */
function renderedScripts(fleet: Fleet): Map<string, string> | "refused" {
  const p = plan(fleet);
  if (p.violations.some((v) => v.severity === "error")) return "refused";
  const scripts = new Map<string, string>();
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${at}[${i}]`));
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    const test = (o.health as { test?: string[] } | null | undefined)?.test;
    if (test?.[0] === "CMD-SHELL") scripts.set(`${at}.health`, test[1] as string);
    const entrypoint = o.entrypoint as string[] | null | undefined;
    if (entrypoint && /(^|\/)sh$/.test(entrypoint[0] ?? "") && entrypoint[1] === "-c") {
      scripts.set(`${at}.script`, entrypoint[2] ?? (o.args as string[])[0] as string);
    }
    for (const f of (o.files as { containerPath: string; content: string }[] | undefined) ?? []) {
      if (f.containerPath.endsWith("Modelfile")) scripts.set(`${at}.Modelfile`, modelfileAsScript(f.content));
      if (f.containerPath === LLAMA_SWAP_CONFIG_PATH) {
        const config = YAML.parse(f.content) as { models: Record<string, { cmd: string }> };
        Object.values(config.models).forEach((m, i) => scripts.set(`${at}.swap[${i}]`, m.cmd));
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== "violations") walk(v, `${at}.${k}`);
  };
  walk(p, "plan");
  if (p.store) scripts.set("store.setup", setupScript(p.store, true));
  p.mesh?.keys.forEach((key, i) => scripts.set(`mesh.join[${i}]`, tailscaleUpCommand(key.role, key.tags)));
  fleet.burst?.pools.forEach((pool, i) => {
    const input = burstBootScriptInput(fleet, pool.name, { hostIndex: 1, hardwareId: pool.gpu[0] as string, pricePerHour: 0.5, expectedSecondsToUseful: 600 });
    scripts.set(`burst.boot[${i}]`, renderBurstBootScript(input));
  });
  return scripts;
}

/** A Modelfile's shape: one directive per line, its value one word (`FROM x` → `FROM x`, quotes kept). */
function modelfileAsScript(content: string): string {
  return content.split("\n").map((line) => line.replace(/[;&|()<>$`"'\\]/g, "_")).join(" ;\n");
}

function structures(scripts: Map<string, string>): Map<string, string> {
  return new Map([...scripts].map(([k, s]) => [k, describeStructure(shellStructure(s))]));
}

const benign = renderedScripts(Fleet.parse(base));
assert.notEqual(benign, "refused", "the base fleet itself must pass fabric check");
const benignStructures = structures(benign as Map<string, string>);

const SPECIALS = [";", "$(", ")", "`", "'", "\"", "\n", "\r", "\u0000", "|", "&", "<", ">", "*", "?", "[", "]", "{", "}", "#", "!", "~", "\\", " ", "\t", "$", "=", "..", "/", "-", "\u202e", "é", "😀", "％"];
const PAYLOADS = [
  "$(touch /tmp/fabric-pwned)", "`id`", "a; rm -rf /", "x\nSYSTEM evil", "'; echo hi; '", "\"$(id)\"", "..", "../../../../etc/shadow",
  "0.0.0.0", "a\u0000b", "${PATH}", "*", "-rf", "--host=0.0.0.0", "x && curl evil", "x || true", "$HOME", "a b", "\u202e", "FROM evil\nADAPTER x",
];

/** Hostile text: known payloads, random mixes of shell metacharacters, and a benign value with one of them glued on. */
function hostile(benignValue: string): fc.Arbitrary<string> {
  const special = fc.constantFrom(...SPECIALS);
  const payload = fc.constantFrom(...PAYLOADS);
  return fc.oneof(
    payload,
    fc.array(fc.oneof(special, fc.constantFrom("a", "Z", "0", ".", "-", "_")), { minLength: 1, maxLength: 12 }).map((a) => a.join("")),
    fc.tuple(payload, fc.boolean()).map(([p, before]) => (before ? `${p}${benignValue}` : `${benignValue}${p}`)),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }),
  );
}

const templates = stringFieldTemplates(fleetJsonSchema() as never);

describe("hostile fleet input: every string field of the schema", () => {
  test("the base fleet uses every string field the schema has (a new field must be added to test/fixtures/hostile-base.fleet.yaml)", () => {
    const missing = templates.filter((t) => slotsOf(t, base).length === 0);
    assert.deepEqual(missing, []);
    assert.ok(templates.length >= 40, `only ${templates.length} string fields found in the schema`);
  });

  for (const template of templates) {
    test(`${template}: refused, or every rendered script keeps its structure`, () => {
      for (const slot of slotsOf(template, base)) {
        const at = slot.path.endsWith(">") ? slot.path.slice(slot.path.lastIndexOf("<") + 1, -1) : getAt(base, slot.path);
        const original = typeof at === "string" ? at : "x";
        fc.assert(fc.property(hostile(original), (value) => {
          const parsed = Fleet.safeParse(slot.set(base, value));
          if (!parsed.success) return true;
          const scripts = renderedScripts(parsed.data);
          if (scripts === "refused") return true;
          const changed = [...structures(scripts)].filter(([k, s]) => benignStructures.get(k) !== s).map(([k]) => k);
          assert.deepEqual([...scripts.keys()].sort(), [...benignStructures.keys()].sort(), `${slot.path} = ${JSON.stringify(value)}: the set of rendered scripts changed`);
          assert.deepEqual(changed, [], `${slot.path} = ${JSON.stringify(value)} changed the structure of ${changed.join(", ")}`);
          return true;
        }), { numRuns: RUNS_PER_SLOT, seed: 20261205 });
      }
    });
  }
});

/** Runs per slot: enough to hit every payload class; `FABRIC_HOSTILE_RUNS` raises it for a deeper search. */
const RUNS_PER_SLOT = Number(process.env.FABRIC_HOSTILE_RUNS ?? 24);

function getAt(root: unknown, p: string): unknown {
  let node = root as Record<string, unknown>;
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) node = node[m[2] !== undefined ? Number(m[2]) : (m[1] as string)] as Record<string, unknown>;
  return node;
}
