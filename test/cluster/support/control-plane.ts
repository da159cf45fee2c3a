// A real Kubernetes control plane on 127.0.0.1 for the cluster tier: etcd, kube-apiserver (secure
// port only, certificates made here with openssl, an admin client certificate in system:masters),
// kube-controller-manager, kube-scheduler, and KWOK playing the kubelets of fake GPU nodes. Every
// process listens on a free loopback port in a temp dir, and everything is torn down by stop().
// The binaries come from scripts/setup-cluster.sh ($FABRIC_CACHE/bin).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../support/llama-processes";
import { KubeApi } from "./kube-api";

export const CLUSTER_BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
const cache = process.env.FABRIC_CACHE ?? join(homedir(), ".cache", "inference-fabric");
const binDir = join(cache, "bin");
const stagesDir = join(cache, "kwok", "stages");
/** The context name in the admin kubeconfig the tier writes. */
export const TEST_CONTEXT = "fabric-test";

/** Why the tier cannot run here, or null when every binary and the KWOK stages are present. */
export function missingClusterParts(): string | null {
  const missing = CLUSTER_BINARIES.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length > 0) return `${missing.join(", ")} missing from ${binDir}: run scripts/setup-cluster.sh`;
  if (!existsSync(stagesDir) || readdirSync(stagesDir).length === 0) return `KWOK stages missing from ${stagesDir}: run scripts/setup-cluster.sh`;
  if (spawnSync("openssl", ["version"]).status !== 0) return "openssl is not installed (certificates for the apiserver)";
  return null;
}

/** A fake GPU node pool: `nodes` KWOK nodes labelled with the pool and GPU product, advertising `gpusPerNode` nvidia.com/gpu. */
export interface FakeNodePool {
  readonly pool: string;
  readonly product: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
}

function openssl(dir: string, args: readonly string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** CA, apiserver serving certificate (127.0.0.1, localhost), admin client certificate, service-account key. */
function makeCertificates(dir: string): void {
  openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=fabric-test-ca"]);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver"]);
  openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"]);
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "admin.key", "-out", "admin.csr", "-subj", "/O=system:masters/CN=fabric-admin"]);
  openssl(dir, ["x509", "-req", "-in", "admin.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "admin.crt", "-days", "2", "-extfile", "client.ext"]);
  openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
  openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function adminKubeconfig(dir: string, server: string): string {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: TEST_CONTEXT, cluster: { server, "certificate-authority-data": b64("ca.crt") } }],
    users: [{ name: "fabric-admin", user: { "client-certificate-data": b64("admin.crt"), "client-key-data": b64("admin.key") } }],
    contexts: [{ name: TEST_CONTEXT, context: { cluster: TEST_CONTEXT, user: "fabric-admin" } }],
    "current-context": TEST_CONTEXT,
  });
}

export class ControlPlane {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly api: KubeApi;
  private readonly processes: { name: string; child: ChildProcess; log: string[] }[] = [];

  private constructor(dir: string, kubeconfigPath: string, api: KubeApi) {
    this.dir = dir;
    this.kubeconfigPath = kubeconfigPath;
    this.api = api;
  }

  /** Starts the control plane and KWOK, and registers the fake nodes of every pool; resolves when the apiserver is ready. */
  static async start(pools: readonly FakeNodePool[]): Promise<ControlPlane> {
    const dir = mkdtempSync(join(tmpdir(), "fabric-cluster-"));
    makeCertificates(dir);
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, freePort));
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(dir, "kubeconfig");
    writeFileSync(kubeconfigPath, adminKubeconfig(dir, server), { mode: 0o600 });
    const api = new KubeApi(server, readFileSync(join(dir, "ca.crt")), readFileSync(join(dir, "admin.crt")), readFileSync(join(dir, "admin.key")));
    const plane = new ControlPlane(dir, kubeconfigPath, api);
    try {
      const etcdUrl = `http://127.0.0.1:${etcdClient}`;
      plane.run("etcd", ["--data-dir", join(dir, "etcd"), "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
        "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`,
        "--initial-cluster", `default=http://127.0.0.1:${etcdPeer}`, "--log-level", "warn", "--listen-metrics-urls", ""]);
      plane.run("kube-apiserver", [
        `--etcd-servers=${etcdUrl}`, "--bind-address=127.0.0.1", `--secure-port=${apiPort}`, "--advertise-address=127.0.0.1",
        "--endpoint-reconciler-type=none", `--cert-dir=${dir}`,
        `--tls-cert-file=${join(dir, "server.crt")}`, `--tls-private-key-file=${join(dir, "server.key")}`, `--client-ca-file=${join(dir, "ca.crt")}`,
        `--service-account-key-file=${join(dir, "sa.pub")}`, `--service-account-signing-key-file=${join(dir, "sa.key")}`,
        "--service-account-issuer=https://kubernetes.default.svc", "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=RBAC", "--allow-privileged=false", "--enable-priority-and-fairness=false", "--profiling=false",
      ]);
      await plane.waitReady();
      const common = [`--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`, "--bind-address=127.0.0.1", "--leader-elect=false", "--profiling=false"];
      plane.run("kube-controller-manager", [...common, `--secure-port=${kcmPort}`, `--service-account-private-key-file=${join(dir, "sa.key")}`,
        `--root-ca-file=${join(dir, "ca.crt")}`, "--use-service-account-credentials=false", "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route",
        "--concurrent-deployment-syncs=10", "--concurrent-replicaset-syncs=10"]);
      plane.run("kube-scheduler", [...common, `--secure-port=${schedPort}`]);
      const config = readdirSync(stagesDir).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(stagesDir, f));
      plane.run("kwok", [`--kubeconfig=${kubeconfigPath}`, "--manage-all-nodes=false", "--manage-nodes-with-label-selector=type=kwok",
        // Leases keep the nodes Ready: the heartbeat-with-lease stage updates status only every ~10 min.
        `--server-address=127.0.0.1:${kwokPort}`, "--node-ip=127.0.0.1", "--node-lease-duration-seconds=40", ...config.map((c) => `--config=${c}`)]);
      for (const p of pools) for (let i = 1; i <= p.nodes; i++) await api.create("/api/v1/nodes", fakeNode(p, i));
      return plane;
    } catch (e) {
      plane.stop();
      throw e;
    }
  }

  private run(name: string, args: readonly string[]): void {
    const child = spawn(join(binDir, name), args, { stdio: ["ignore", "pipe", "pipe"] });
    const log: string[] = [];
    const keep = (chunk: Buffer) => { log.push(chunk.toString()); if (log.length > 400) log.splice(0, 100); };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.processes.push({ name, child, log });
  }

  /** The last lines a process printed (for assertion messages). */
  logOf(name: string): string {
    return (this.processes.find((p) => p.name === name)?.log ?? []).join("").split("\n").slice(-40).join("\n");
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const dead = this.processes.find((p) => p.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}):\n${this.logOf(dead.name)}`);
      try {
        if ((await this.api.raw("GET", "/readyz")).status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready after 60 s:\n${this.logOf("kube-apiserver")}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops every process (newest first) and removes the temp dir. */
  stop(): void {
    for (const p of [...this.processes].reverse()) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    if (!process.env.FABRIC_CLUSTER_KEEP) rmSync(this.dir, { recursive: true, force: true });
    else console.log(`FABRIC_CLUSTER_KEEP: control plane files kept in ${this.dir}`);
  }
}

/** A KWOK node: GPU capacity, GPU product label (as the GPU operator's feature discovery sets it), pool label, a taint tolerations must match. */
function fakeNode(p: FakeNodePool, i: number): unknown {
  const capacity = { cpu: "64", memory: "512Gi", pods: "110", "nvidia.com/gpu": String(p.gpusPerNode) };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: `${p.pool}-${i}`,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: { type: "kwok", "kubernetes.io/hostname": `${p.pool}-${i}`, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "fabric.test/pool": p.pool, "nvidia.com/gpu.product": p.product },
    },
    spec: { taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }] },
    status: { allocatable: capacity, capacity },
  };
}

/** A temp dir the tier's scratch files go in (removed by the caller). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  return dir;
}
