/**
 * Every place a string can stand in a fleet file, listed from the fleet's JSON Schema itself, so a
 * field added to the schema is covered by the hostile-input tests without anyone listing it.
 * A location is a path template: `machines[].address`, `recipes.*.env.*` (a record's values),
 * `recipes.*.env.<key>` (a record's keys), `recipes.*.extraArgs[]`.
 */
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
};

export function stringFieldTemplates(schema: JsonSchema): string[] {
  const out = new Set<string>();
  const walk = (node: JsonSchema, path: string) => {
    for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) walk(alt, path);
    // Enums and constants are closed sets: no free text reaches anything through them.
    if (node.type === "string" && node.enum === undefined && node.const === undefined) out.add(path);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, path === "" ? key : `${path}.${key}`);
    if (node.items) walk(node.items, `${path}[]`);
    if (typeof node.additionalProperties === "object") {
      walk(node.additionalProperties, `${path}.*`);
      if (node.propertyNames) out.add(`${path}.<key>`);
    }
  };
  walk(schema, "");
  return [...out].sort();
}

/** A concrete place in a fleet object: where to write, and how to read it back for messages. */
export interface StringSlot {
  readonly template: string;
  readonly path: string;
  /** Writes `value` into a copy of the fleet at this slot. */
  readonly set: (fleet: Record<string, unknown>, value: string) => Record<string, unknown>;
}

/** Every slot of a template in a fleet object (none when the fleet does not use that field). */
export function slotsOf(template: string, fleet: Record<string, unknown>): StringSlot[] {
  const parts = template.split(/\.|(?=\[\])/).filter((p) => p !== "");
  const slots: StringSlot[] = [];
  const visit = (node: unknown, i: number, keys: (string | number)[]) => {
    const part = parts[i] as string;
    const last = i === parts.length - 1;
    if (part === "<key>") {
      if (isRecord(node)) for (const k of Object.keys(node)) slots.push(slot(template, keys, k));
      return;
    }
    const children: [string | number, unknown][] = part === "[]"
      ? (Array.isArray(node) ? node.map((v, j): [number, unknown] => [j, v]) : [])
      : part === "*" ? (isRecord(node) ? Object.entries(node) : []) : isRecord(node) && part in node ? [[part, node[part]]] : [];
    for (const [k, v] of children) {
      // A string slot may hold another alternative in the base fleet (a `{secret: key}` reference).
      if (last) { if (v !== undefined && v !== null && typeof v !== "number" && typeof v !== "boolean") slots.push(slot(template, [...keys, k])); }
      else visit(v, i + 1, [...keys, k]);
    }
  };
  visit(fleet, 0, []);
  return slots;
}

function slot(template: string, keys: readonly (string | number)[], renameKey?: string): StringSlot {
  const path = keys.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("").replace(/^\./, "") + (renameKey === undefined ? "" : `.<${renameKey}>`);
  return {
    template,
    path,
    set(fleet, value) {
      const copy = structuredClone(fleet);
      let node = copy as Record<string | number, unknown>;
      for (const k of keys.slice(0, renameKey === undefined ? -1 : keys.length)) node = node[k] as Record<string | number, unknown>;
      if (renameKey === undefined) {
        node[keys[keys.length - 1] as string | number] = value;
      } else {
        // Rename the key, keeping its value and the record's order.
        const entries = Object.entries(node).map(([k, v]): [string, unknown] => [k === renameKey ? value : k, v]);
        for (const k of Object.keys(node)) delete node[k];
        for (const [k, v] of entries) node[k] = v;
      }
      return copy;
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
