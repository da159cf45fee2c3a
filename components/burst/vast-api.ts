// The documented shapes of the Vast.ai REST API this project sends and reads (REFERENCE.md §6;
// vast-python's vast.py; docs.vast.ai show-instance / create-instance). Types only.

/** One Docker-style port binding, as Vast reports it under `ports["8000/tcp"]`. */
export interface VastPortBinding { readonly HostIp?: string; readonly HostPort: string | number }

/** The fields of an instance this project reads (the API sends many more). */
export interface VastInstanceRecord {
  readonly id: number;
  /** null (provisioning), loading, running, stopped, frozen, exited, rebooting, unknown, offline. */
  readonly actual_status: string | null;
  /** `unloaded` once the contract is released (destroyed). */
  readonly cur_state?: string | null;
  readonly intended_status?: string | null;
  readonly status_msg?: string | null;
  readonly label?: string | null;
  readonly machine_id?: number;
  readonly dph_total?: number;
  readonly inet_down?: number;
  readonly ssh_host?: string | null;
  readonly ssh_port?: number | null;
  readonly public_ipaddr?: string | null;
  readonly ports?: Readonly<Record<string, readonly VastPortBinding[] | null>> | null;
}

/** Body of `PUT /asks/{id}/` (the fields this project sets). */
export interface VastCreateBody {
  readonly client_id: "me";
  readonly image: string;
  /** GB. */
  readonly disk: number;
  readonly label: string;
  /** `args` keeps the image's entrypoint unless `onstart` names one (vast-cli's --entrypoint). */
  readonly runtype: string;
  readonly onstart?: string;
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Fail instead of creating a stopped (still billed for disk) instance when the machine is busy. */
  readonly cancel_unavail: boolean;
}
