import { z } from "zod";
import { Fleet } from "./schema";

/** The fleet file's JSON Schema (input side: defaults are optional), for editors and review tools. */
export function fleetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Fleet, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return { ...schema, $id: "https://inference-fabric.dev/schema/fleet.schema.json", title: "inference-fabric fleet" };
}

/** The committed file's exact text: stable key order from the schema, two-space indent, trailing newline. */
export function fleetJsonSchemaText(): string {
  return `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`;
}
