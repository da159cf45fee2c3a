import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** One resource as the mock monitor saw it registered. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine would receive them: secret values arrive wrapped (see {@link isSecretValue}). */
  readonly inputs: Record<string, unknown>;
  /** URN of the provider reference (`urn::id`), when the resource has an explicit provider. */
  readonly provider: string | undefined;
  /** Names of the resources this one depends on (dependsOn plus input dependencies), as sent to the engine. */
  readonly dependencies: readonly string[];
  /**
   * Inputs in the wire form the SDK sent. Unlike {@link inputs} (where the mock's deserializer lifts
   * a secret element to its whole list), a secret is wrapped exactly where the program made one.
   */
  readonly wireInputs: Record<string, unknown>;
  /** The `deleteBeforeReplace` resource option. */
  readonly deleteBeforeReplace: boolean;
}

interface RegisterRequest {
  getName(): string;
  getType(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDeletebeforereplace(): boolean;
}

interface MonitorLike {
  registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): Promise<void>;
}

const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void>; specialSigKey: string; specialSecretSig: string };

/**
 * Records every resource registration under `pulumi.runtime.setMocks`. The mocks API shows a
 * resource's inputs but not its dependencies, so the recorder also wraps the mock monitor's
 * `registerResource` and reads the request's dependency URNs: those are what the engine gets for
 * `dependsOn` (a component in `dependsOn` expands to its children), and the inputs in wire form.
 */
export class ResourceRecorder {
  private readonly records: { type: string; name: string; inputs: Record<string, unknown>; provider: string | undefined }[] = [];
  private readonly sent = new Map<string, Pick<RecordedResource, "dependencies" | "wireInputs" | "deleteBeforeReplace">>();

  /** Everything recorded since the last {@link reset}, in registration order. */
  get resources(): RecordedResource[] {
    return this.records.map((r) => ({ ...r, ...(this.sent.get(key(r.type, r.name)) ?? { dependencies: [], wireInputs: {}, deleteBeforeReplace: false }) }));
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  byName(name: string): RecordedResource {
    const found = this.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}; names: ${this.resources.map((r) => r.name).join(", ")}`);
    return found[0] as RecordedResource;
  }

  reset(): void {
    this.records.length = 0;
    this.sent.clear();
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    this.records.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
    return { id: `${args.name}_id`, state: { ...args.inputs, ...computedOutputs(args) } };
  }

  requestSeen(req: RegisterRequest): void {
    this.sent.set(key(req.getType(), req.getName()), {
      dependencies: req.getDependenciesList().map(urnName),
      wireInputs: req.getObject()?.toJavaScript() ?? {},
      deleteBeforeReplace: req.getDeletebeforereplace(),
    });
  }
}

/** Installs the mocks (call before constructing resources) and returns the recorder. */
export async function installMocks(stack = "test"): Promise<ResourceRecorder> {
  const recorder = new ResourceRecorder();
  await pulumi.runtime.setMocks({
    newResource: (args) => recorder.newResource(args),
    call: (args) => args.inputs,
  }, "inference-fabric", stack, false);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    recorder.requestSeen(req);
    return register(req, callback);
  };
  return recorder;
}

/** Waits until every resource registration in flight has reached the mock monitor. */
export async function settle(): Promise<void> {
  if (!runtime.waitForRPCs) throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs; find another way to wait for registrations");
  await runtime.waitForRPCs();
}

/** Whether a recorded input value is a secret (the wire form `{<sig>: <secret sig>, value}`). */
export function isSecretValue(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[runtime.specialSigKey] === runtime.specialSecretSig;
}

/** Calls `visit` on every string inside a recorded value, saying whether it sits inside a secret. */
export function walkStrings(value: unknown, visit: (s: string, inSecret: boolean) => void, inSecret = false): void {
  if (typeof value === "string") visit(value, inSecret);
  else if (isSecretValue(value)) walkStrings(value.value, visit, true);
  else if (Array.isArray(value)) value.forEach((v) => walkStrings(v, visit, inSecret));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => walkStrings(v, visit, inSecret));
}

/** The value with secrets unwrapped, for comparing what a resource would receive. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

/** The mock image id of a pulled image: a digest of its reference, as the provider reports one per image. */
export function mockImageId(image: string): string {
  return `sha256:${createHash("sha256").update(image).digest("hex")}`;
}

/** Outputs the provider computes that components read. */
function computedOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  if (args.type === "docker:index/remoteImage:RemoteImage") return { imageId: mockImageId(String(args.inputs.name)), repoDigest: `${args.inputs.name}@mock` };
  return {};
}

function key(type: string, name: string): string {
  return `${type}::${name}`;
}

/** `urn:pulumi:stack::project::parent$type::name` → name. */
function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
