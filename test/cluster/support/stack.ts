// The cluster-test stack under the real pulumi CLI, in a scratch copy of the project with its own
// file backend, with KUBECONFIG pointing at the tier's control plane. Runs are asynchronous so the
// tier can watch the cluster while `pulumi up` rolls it.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { type ScratchProject, scratchProject } from "../../support/pulumi-cli";
import { repoRoot } from "../../support/stacks";

export const POLICY_PACK = join(repoRoot, "policies");
const PASSPHRASE = "cluster-tier-only-not-secret";

export interface PulumiRun {
  readonly status: number | null;
  readonly output: string;
  readonly seconds: number;
}

export class ClusterStack {
  readonly project: ScratchProject;

  constructor(private readonly kubeconfig: string, readonly stack = "cluster-test") {
    this.project = scratchProject(PASSPHRASE);
  }

  /** `pulumi <args> --stack <stack>`, without blocking the event loop. */
  run(args: readonly string[]): Promise<PulumiRun> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--stack", this.stack, "--non-interactive"], {
        cwd: this.project.dir,
        env: {
          ...process.env,
          PULUMI_BACKEND_URL: `file://${join(this.project.dir, ".state")}`,
          PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
          PULUMI_SKIP_UPDATE_CHECK: "true",
          KUBECONFIG: this.kubeconfig,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (c: Buffer) => { output += c.toString(); });
      child.stderr.on("data", (c: Buffer) => { output += c.toString(); });
      child.on("error", (e) => reject(new Error(`pulumi could not run (${e.message}): source scripts/setup-pulumi.sh first`)));
      child.on("close", (status) => resolve({ status, output, seconds: (Date.now() - started) / 1000 }));
    });
  }

  init(): Promise<PulumiRun> {
    return new Promise((resolve) => {
      const r = this.project.run(["stack", "init", this.stack], { KUBECONFIG: this.kubeconfig });
      resolve({ ...r, seconds: 0 });
    });
  }

  up(): Promise<PulumiRun> {
    return this.run(["up", "--yes", "--skip-preview", "--policy-pack", POLICY_PACK]);
  }
}
