// The gateway side of a drain: the burst gate's admin routes in the LiteLLM process
// (core/render/litellm-burst-gate.ts), called with the master key. A slot marked draining leaves
// routing at once; a release lifts the mark and makes the slot wait for a new passing probe.
import { BURST_GATE_PATH } from "../../core/render/litellm-burst-gate";

export interface GatewaySlots {
  /** Takes `slot` (`<pool>-<n>`) out of routing for `seconds`; throws with the gateway's words. */
  drain(slot: string, seconds: number): Promise<void>;
  /** Lifts the mark; the slot returns only after its next passing probe. */
  release(slot: string): Promise<void>;
}

export class LiteLLMGatewaySlots implements GatewaySlots {
  constructor(private readonly gatewayUrl: string, private readonly masterKey: string, private readonly timeoutMs = 10_000) {}

  private async post(path: string): Promise<void> {
    const url = `${this.gatewayUrl.replace(/\/+$/, "")}${BURST_GATE_PATH}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${this.masterKey}` }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new Error(`gateway ${this.gatewayUrl} unreachable (${(e as Error).message})`);
    }
    if (res.ok) return;
    // The body is the gate's or LiteLLM's message; the key is ours and never echoed, but be sure.
    const body = (await res.text().catch(() => "")).split(this.masterKey).join("[redacted]").slice(0, 300);
    throw new Error(`gateway answered HTTP ${res.status} to POST ${BURST_GATE_PATH}/${path}: ${body}`);
  }

  drain(slot: string, seconds: number): Promise<void> {
    return this.post(`${encodeURIComponent(slot)}/drain?seconds=${Math.ceil(seconds)}`);
  }

  release(slot: string): Promise<void> {
    return this.post(`${encodeURIComponent(slot)}/release`);
  }
}
