// Regenerates schema/fleet.schema.json from the zod fleet schema. `npm run schema`; a unit test fails when it is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fleetJsonSchemaText } from "../core/fleet/json-schema";

const target = join(__dirname, "..", "schema", "fleet.schema.json");
writeFileSync(target, fleetJsonSchemaText());
console.log(`wrote ${target}`);
