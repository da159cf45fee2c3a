import * as pulumi from "@pulumi/pulumi";

/** Inputs of a settle: the containers of the wave (their ids change when they are replaced) and the wait. */
interface SettleInputs {
  readonly containerIds: readonly string[];
  readonly seconds: number;
}

/**
 * Waits `seconds` whenever the wave's containers are created or replaced. A dynamic provider: it
 * needs no provider plugin (the `time` provider would be one more plugin to build) and runs in the
 * Pulumi program's own process.
 */
const wait = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

const settleProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: SettleInputs, news: SettleInputs) {
    const same = olds.seconds === news.seconds && JSON.stringify(olds.containerIds) === JSON.stringify(news.containerIds);
    return { changes: !same };
  },
  async create(inputs: SettleInputs) {
    await wait(inputs.seconds);
    return { id: `settle-${Date.now().toString(36)}`, outs: inputs };
  },
  async update(_id: string, _olds: SettleInputs, news: SettleInputs) {
    await wait(news.seconds);
    return { outs: news };
  },
};

export interface WaveSettleArgs {
  /** Ids of the wave's engine containers; a new id (a replaced engine) waits again. */
  readonly containerIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds to wait: the plan's `waveSettleSeconds` (the gateway's cooldown + 2 s). */
  readonly seconds: number;
}

/**
 * The pause between two rollout waves. The gateway skips a backend for its cooldown after the last
 * failure seen on it (a refused connection while it restarted); the next wave must not stop the
 * other replicas of a route before the gateway routes to the restarted ones again, or every
 * backend of the route would be skipped at once.
 */
export class WaveSettle extends pulumi.dynamic.Resource {
  constructor(name: string, args: WaveSettleArgs, opts?: pulumi.CustomResourceOptions) {
    super(settleProvider, name, args, opts, "fabric-wave-settle");
  }
}
