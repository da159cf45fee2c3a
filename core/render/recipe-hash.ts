import { createHash } from "node:crypto";
import type { Recipe } from "../fleet/recipe";

/**
 * JSON with object keys sorted at every depth, so equal data gives equal text whatever order the
 * fleet file wrote it in. Arrays keep their order (argument order matters); `undefined` members
 * are dropped as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/**
 * The recipe's identity: the first 12 hex characters of sha256 over its canonical JSON. Hash the
 * parsed recipe (defaults filled in), so writing a default explicitly does not change it. Engine
 * containers carry it as the `fabric.recipe-hash` label; a new hash means a new container. The SLO
 * is left out.
 */
export function recipeHash(recipe: Recipe): string {
  return shortHash(engineIdentity(recipe));
}

/** The recipe without its SLO: an objective changes what a rollout checks, not what the engine runs. */
function engineIdentity(recipe: Recipe): Omit<Recipe, "slo"> {
  const { slo: _slo, ...engine } = recipe;
  return engine;
}

/** A swap slot's identity: the same hash over its member recipes by name, so any member change replaces the slot. */
export function swapSlotHash(members: Readonly<Record<string, Recipe>>): string {
  return shortHash(Object.fromEntries(Object.entries(members).map(([name, recipe]) => [name, engineIdentity(recipe)])));
}

function shortHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 12);
}
