// Container mode of the fake Vast API: each rented instance becomes a real container of an engine
// image on this machine's Docker (host networking, 127.0.0.1 only), named `<prefix>-<instance id>`,
// listening on the port its host slot is reached at; destroying the instance removes it. Before
// removal the container's log is kept, so a test can count the requests the host served.
import { spawn } from "node:child_process";
import type { FakeInstance, FakeVastContainers } from "./fake-vast";

export interface DockerHostsOptions {
  /** Container names start with this (a prefix of the test's own; nothing else is ever removed). */
  readonly namePrefix: string;
  /** The engine image, e.g. the local-test stack's `fabric-test/llamacpp:b11312`. */
  readonly image: string;
  /** The loopback port host slot `label` is reached at (its slotAddresses entry), or null to refuse the rent's start. */
  readonly portFor: (label: string) => number | null;
  /** `docker run` arguments between `--network host` and the image (mounts, env). */
  readonly dockerArgs: readonly string[];
  /** The engine's arguments after the image, listening on 127.0.0.1:`port`. */
  readonly command: (port: number) => readonly string[];
}

function docker(args: readonly string[], timeoutMs = 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("docker", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); resolve({ status: null, stdout, stderr: `${stderr}${e.message}` }); });
    child.on("close", (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

/** Docker-backed hosts for the fake; `logs` holds each removed container's log by name. */
export class DockerHosts implements FakeVastContainers {
  readonly logs = new Map<string, string>();

  constructor(private readonly o: DockerHostsOptions) {}

  async start(instance: FakeInstance): Promise<string> {
    const port = this.o.portFor(instance.label);
    if (port === null) throw new Error(`no loopback port for ${instance.label}`);
    const name = `${this.o.namePrefix}-${instance.id}`;
    const run = await docker(["run", "-d", "--name", name, "--network", "host", "--label", `fabric-test.fake-vast=${this.o.namePrefix}`,
      ...this.o.dockerArgs, this.o.image, ...this.o.command(port)]);
    if (run.status !== 0) {
      await docker(["rm", "-f", name]);
      throw new Error(`docker run ${this.o.image} for ${instance.label}: ${run.stderr.trim()}`);
    }
    return name;
  }

  async remove(name: string): Promise<void> {
    const logs = await docker(["logs", name]);
    this.logs.set(name, `${logs.stdout}${logs.stderr}`);
    const rm = await docker(["rm", "-f", name]);
    if (rm.status !== 0 && !/No such container/.test(rm.stderr)) throw new Error(`docker rm -f ${name}: ${rm.stderr.trim()}`);
  }

  /** Containers of this prefix that exist now (any state). */
  async present(): Promise<string[]> {
    const r = await docker(["ps", "-a", "--filter", `label=fabric-test.fake-vast=${this.o.namePrefix}`, "--format", "{{.Names}}"]);
    return r.stdout.split("\n").filter(Boolean);
  }

  /** A live container's log so far. */
  async logOf(name: string): Promise<string> {
    const r = await docker(["logs", name]);
    return `${r.stdout}${r.stderr}`;
  }
}
