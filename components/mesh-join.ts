import { shellCommand } from "../core/render/shell";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** A static machine to join to the tailnet over SSH, and how to reach it before the mesh exists. */
export interface MeshJoinTarget {
  /** Fleet machine name: the tailnet hostname, and the key role it joins with. */
  readonly machine: string;
  /** Address SSH reaches without the mesh: the machine's LAN IP or bootstrap DNS name. */
  readonly host: string;
  /** SSH user; it must be root or allowed to run `sudo -n tailscale`. */
  readonly user: string;
  /** SSH private key (PEM/OpenSSH); a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** SSH port. @default 22 */
  readonly port?: number;
  /** Run `tailscale` through `sudo -n` (passwordless sudo). @default true */
  readonly sudo?: boolean;
}

export interface MeshJoinArgs extends MeshJoinTarget {
  /** Tags the machine advertises; the auth key carries the same tags. */
  readonly tags: readonly string[];
  /** The machine's auth key (secret). It reaches the machine on stdin, never in the command line. */
  readonly authKey: pulumi.Input<string>;
  /** Id of the auth key resource: a new key (rotation, recreation) joins again. */
  readonly keyId: pulumi.Input<string>;
}

/** How long `tailscale up` may wait for the node to reach Running before the join fails. */
const UP_TIMEOUT = "2m";

/**
 * `tailscale up` for one machine, every flag every time: Tailscale does not remember flags between
 * runs and refuses an `up` that would silently drop earlier ones, so the command states the whole
 * configuration (`--reset` returns anything not named to its default). The auth key is read from
 * stdin (`--auth-key=file:/dev/stdin`), so it is in neither the command line, the process list on the
 * machine, nor Tailscale's "flags would be reverted" error message, which echoes the flags it got.
 */
export function tailscaleUpCommand(machine: string, tags: readonly string[], sudo = true): string {
  if (tags.length === 0) throw new Error(`tailscale up for '${machine}': no tags; a mesh machine always joins tagged`);
  const argv = [
    "tailscale", "up", "--reset",
    "--auth-key=file:/dev/stdin",
    `--hostname=${machine}`,
    `--advertise-tags=${[...tags].join(",")}`,
    "--ssh",
    `--timeout=${UP_TIMEOUT}`,
  ];
  return shellCommand([...(sudo ? ["sudo", "-n"] : []), ...argv]);
}

/**
 * Joins one static machine to the tailnet over SSH with its own auth key. The key is the command's
 * stdin (secret) and the key's id is the trigger, so a rotated or recreated key runs the join again.
 * A node that is already logged in keeps its identity: Tailscale uses the key only when the node has
 * to log in (first join, after a logout or node-key expiry). Nothing runs on delete: leaving the
 * tailnet is a decision for the operator (it can cut the SSH path the stack uses).
 */
export class MeshJoin extends pulumi.ComponentResource {
  /** The remote `tailscale up`. */
  readonly command: command.remote.Command;

  constructor(name: string, args: MeshJoinArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fabric:mesh:MeshJoin", name, {}, opts);
    const create = tailscaleUpCommand(args.machine, args.tags, args.sudo ?? true);
    this.command = new command.remote.Command(`${name}-up`, {
      connection: {
        host: args.host,
        port: args.port ?? 22,
        user: args.user,
        privateKey: pulumi.secret(args.privateKey),
      },
      create,
      stdin: pulumi.secret(args.authKey),
      triggers: [args.keyId],
      // tailscale prints login URLs and node state; nothing secret, but keep the log to errors.
      logging: "stderr",
    }, { parent: this });
    this.registerOutputs({ machine: args.machine, create });
  }
}

