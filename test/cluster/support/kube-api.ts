// A small client of the Kubernetes REST API over https with the admin client certificate (no
// kubectl here): what the cluster tier needs to create fake nodes, read what Pulumi made, and run
// server-side dry runs of the manifests `fabric plan --out` writes.
import { request } from "node:https";

export interface KubeResponse {
  readonly status: number;
  readonly body: any;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** Plural resource names of the kinds the fabric renders. */
const PLURALS: Readonly<Record<string, string>> = {
  Namespace: "namespaces", Deployment: "deployments", Service: "services", PodDisruptionBudget: "poddisruptionbudgets",
  NetworkPolicy: "networkpolicies", Secret: "secrets", PersistentVolumeClaim: "persistentvolumeclaims", ConfigMap: "configmaps",
};

/** The collection URL of an object's kind in its namespace, e.g. /apis/apps/v1/namespaces/ns/deployments. */
export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`kube-api: no plural known for kind ${kind}`);
  const group = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${group}/namespaces/${namespace}/${plural}` : `${group}/${plural}`;
}

export class KubeApi {
  constructor(
    readonly server: string,
    private readonly ca: Buffer,
    private readonly cert: Buffer,
    private readonly key: Buffer,
  ) {}

  raw(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
    const url = new URL(path, this.server);
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method, ca: this.ca, cert: this.cert, key: this.key, timeout: 30_000,
        headers: { accept: "application/json", ...(data ? { "content-type": contentType, "content-length": Buffer.byteLength(data) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try { parsed = JSON.parse(text); } catch { /* plain text (readyz) */ }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      if (data) req.write(data);
      req.end();
    });
  }

  async create(path: string, object: unknown): Promise<any> {
    const r = await this.raw("POST", path, object);
    if (r.status !== 201 && r.status !== 200) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async list(path: string): Promise<any[]> {
    const r = await this.raw("GET", path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return (r.body as { items: any[] }).items;
  }

  /**
   * A server-side apply of the object as a dry run: admission, strict schema validation (unknown
   * fields refused) and defaulting run, nothing is stored; it works whether the object exists or not.
   */
  serverSideApplyDryRun(object: KubeObject): Promise<KubeResponse> {
    const path = `${collectionPath(object.apiVersion, object.kind, object.metadata.namespace)}/${object.metadata.name}`;
    return this.raw("PATCH", `${path}?dryRun=All&fieldManager=fabric-plan-dry-run&force=true&fieldValidation=Strict`, object, "application/apply-patch+yaml");
  }
}
