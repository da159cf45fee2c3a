/**
 * `fabric check` time against fleet size: fleets of 1k, 10k and 100k engines (four llama.cpp
 * engines per CPU machine, a gateway route per machine, monitoring), parsed and checked the way the
 * CLI does it. Prints seconds per 10k engines at each size; linear time keeps that ratio flat.
 *   node --import tsx bench/check-scaling.ts [sizes...]
 */
import { stringify } from "yaml";
import { runCli } from "../test/support/cli";
import { fleetFile } from "../test/support/cli";

function fleetOf(engines: number): string {
  const perMachine = 4;
  const machines = Math.ceil(engines / perMachine);
  return stringify({
    machines: Array.from({ length: machines }, (_, i) => ({ name: `m${i}`, hardware: "cpu", address: `m${i}.example.ts.net`, bindAddress: "127.0.0.1" })),
    recipes: { tiny: { engine: "llamacpp", model: { id: "Qwen/Qwen2.5-0.5B-Instruct-GGUF", file: "qwen2.5-0.5b-instruct-q4_k_m.gguf", config: { layers: 24, hiddenSize: 896, attentionHeads: 14, kvHeads: 2, paramsBillion: 0.5, maxContext: 32768 } }, quantization: "gguf-q4_k_m", maxModelLen: 4096 } },
    deployments: Array.from({ length: engines }, (_, i) => ({ name: `e${i}`, recipe: "tiny", machine: `m${Math.floor(i / perMachine)}`, port: 8000 + (i % perMachine) })),
    gateway: {
      machine: "m0", port: 4000, masterKey: { secret: "litellmMasterKey" },
      routes: Array.from({ length: Math.min(machines, 1000) }, (_, i) => ({ name: `r${i}`, targets: [`e${i * perMachine}`] })),
    },
    monitoring: { machine: "m0", port: 9090 },
  });
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const rows: string[] = [];
for (const n of sizes.length > 0 ? sizes : [1000, 10000, 100000]) {
  const text = fleetOf(n);
  const file = fleetFile(text);
  const start = process.hrtime.bigint();
  const run = runCli(["check", file]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.code === 2) throw new Error(`the generated fleet does not parse: ${run.stdout.slice(0, 500)}`);
  rows.push(`${String(n).padStart(7)} engines  ${(text.length / 2 ** 20).toFixed(1).padStart(5)} MiB  ${seconds.toFixed(2).padStart(7)} s  ${(seconds / (n / 1e4)).toFixed(2).padStart(6)} s per 10k engines  exit ${run.code}`);
  console.log(rows[rows.length - 1]);
}
