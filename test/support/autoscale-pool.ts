// The burst section the autoscale tests add to the local-test fleet: pool `tiny-burst` (max 1
// host, the local engines' served name) autoscaled on route `chat` with short test timings.

/** The `burst:` YAML; `slotPort` puts host slot 1 at 127.0.0.1 (the fake Vast's container mode). */
export function tinyBurstPoolYaml(slotPort?: number): string {
  return `burst:
  provider: vast
  apiKey: {secret: vastApiKey}
  budgetPerHour: 1
  idleMinutes: 5
  pools:
    - name: tiny-burst
      recipe: tiny-chat
      servedName: tiny
      maxHosts: 1
      maxPricePerHour: 0.8
      gpu: [rtx-5090]
      minInetDownMbps: 1000
${slotPort === undefined ? "" : `      slotAddresses: [{address: 127.0.0.1, port: ${slotPort}}]\n`}      autoscale: {route: chat, min: 0, max: 1, signal: waiting-requests, scaleUpAt: 0.5, scaleDownBelow: 0.2, holdSeconds: 4, idleMinutes: 0.25, cooldownSeconds: 10}
`;
}
