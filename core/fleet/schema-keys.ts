import type { z } from "zod";

/** Field names the schema allows at `path`, for "did you mean" on unknown fields. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const key of path) {
    node = unwrap(node);
    const def = defOf(node);
    if (def?.type === "object") node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def?.type === "array") node = def.element;
    else if (def?.type === "record") node = def.valueType;
    else return [];
  }
  return objectKeys(unwrap(node));
}

function objectKeys(node: unknown): string[] {
  const def = defOf(node);
  if (def?.type === "object") return Object.keys(def.shape as object);
  if (def?.type === "union") return (def.options as unknown[]).flatMap((o) => objectKeys(unwrap(o)));
  return [];
}

function unwrap(node: unknown): unknown {
  let def = defOf(node);
  while (def && ["optional", "default", "nullable", "prefault", "readonly"].includes(def.type as string)) {
    node = def.innerType;
    def = defOf(node);
  }
  return node;
}

function defOf(node: unknown): Record<string, unknown> | undefined {
  return (node as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
}
