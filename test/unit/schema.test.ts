import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fleetJsonSchema, fleetJsonSchemaText } from "../../core/fleet/json-schema";

const root = join(__dirname, "..", "..");

test("the committed JSON Schema is fresh (run `npm run schema` after changing core/fleet)", () => {
  const committed = readFileSync(join(root, "schema", "fleet.schema.json"), "utf8");
  assert.equal(committed, fleetJsonSchemaText());
});

test("every field in the JSON Schema has a description (editors show it on hover)", () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    const props = n.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [key, child] of Object.entries(props ?? {})) {
      if (key === "$schema") continue;
      if (typeof child.description !== "string" || child.description.length < 5) missing.push(`${path}.${key}`);
      walk(child, `${path}.${key}`);
    }
    for (const key of ["items", "additionalProperties"]) walk(n[key], `${path}[]`);
    for (const key of ["anyOf", "oneOf", "allOf"]) (n[key] as unknown[] | undefined)?.forEach((c) => walk(c, path));
  };
  walk(fleetJsonSchema(), "fleet");
  assert.deepEqual(missing, []);
});

test("every stack fleet file points editors at the schema", () => {
  const stacks = readdirSync(join(root, "stacks")).filter((f) => f.endsWith(".fleet.yaml"));
  assert.ok(stacks.length >= 2, `expected the local and homelab fleets, found ${stacks.join(", ")}`);
  for (const file of stacks) {
    const first = readFileSync(join(root, "stacks", file), "utf8").split("\n")[0];
    assert.equal(first, "# yaml-language-server: $schema=../schema/fleet.schema.json", file);
  }
});
