// Which resources a targeted `pulumi up` of the model store needs. Shared by `scripts/main` and the
// end-to-end test.

/** The steps of a `pulumi preview --json`, as far as a dependency walk needs them. */
export interface PreviewSteps {
  readonly steps: readonly { readonly urn: string; readonly newState?: { readonly parent?: string; readonly provider?: string; readonly dependencies?: readonly string[] } }[];
}

/**
 * The dependency closure (dependencies, parents, providers) of some resources in a preview.
 * `pulumi up --target` does not pull in dependencies (it fails naming them), and
 * `--target-dependents` pulls in dependents instead: to bring up only part of a stack, target this.
 */
export function targetClosure(preview: PreviewSteps, roots: readonly string[]): string[] {
  const states = new Map(preview.steps.map((s) => [s.urn, s.newState ?? {}]));
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const urn = todo.pop()!;
    if (seen.has(urn) || !states.has(urn)) continue;
    seen.add(urn);
    const s = states.get(urn)!;
    todo.push(...(s.dependencies ?? []));
    if (s.parent) todo.push(s.parent);
    if (s.provider) todo.push(s.provider.slice(0, s.provider.lastIndexOf("::")));
  }
  return [...seen].sort();
}

/** URNs of the store's MinIO and setup containers in a preview (the roots of a store-only up). */
export function storeRoots(preview: PreviewSteps): string[] {
  return preview.steps.map((s) => s.urn).filter((u) => /\$docker:index\/container:Container::[^:]*-store-(minio|setup)$/.test(u));
}
