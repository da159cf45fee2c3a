import type { HardwareProfile } from "./types";

/**
 * GPUs the fabric knows, plus `cpu` for CPU-only llama.cpp hosts.
 *
 * `memoryGiB` is what CUDA reports as total memory (torch `total_memory`, the figure vLLM multiplies
 * by `--gpu-memory-utilization`), not the marketing number: it is 0.4–0.6 GiB below nvidia-smi's
 * MiB figure. Sources are real vLLM startup lines ("Free memory on device (free/total GiB)",
 * "total_gpu_memory (x GiB)", "GPU 0 has a total capacity of x GiB"); the few marked derived are
 * nvidia-smi MiB minus the 0.44 GiB the 24 GB Ada card loses. `vastNames` are the exact
 * `gpu_name` spellings in Vast.ai offers (../shared/data/vast-offers-2024-11.json); the 40 GB and
 * 80 GB A100 share names there and differ in `gpu_ram`.
 */
export const hardwareCatalog: readonly HardwareProfile[] = [
  {
    // 31.36 GiB: vLLM 0.28 "Free memory on device (30.86/31.36 GiB)"; nvidia-smi 32607 MiB.
    id: "rtx-5090", name: "NVIDIA GeForce RTX 5090", computeCapability: 12.0, family: "blackwell", cpuArch: "amd64",
    memoryGiB: 31.36, marketingGB: 32, bandwidthGBps: 1792, unifiedMemory: false, vastNames: ["RTX 5090"],
  },
  {
    // 23.55 GiB: vLLM "total_gpu_memory (23.55GiB)" on a 24564 MiB card (vllm#11550).
    id: "rtx-4090", name: "NVIDIA GeForce RTX 4090", computeCapability: 8.9, family: "ada", cpuArch: "amd64",
    memoryGiB: 23.55, marketingGB: 24, bandwidthGBps: 1008, unifiedMemory: false, vastNames: ["RTX 4090"],
  },
  {
    // Derived: 16376 MiB (Vast gpu_ram) − 0.44 GiB, as measured on the 24 GB Ada card.
    id: "rtx-4080", name: "NVIDIA GeForce RTX 4080", computeCapability: 8.9, family: "ada", cpuArch: "amd64",
    memoryGiB: 15.55, marketingGB: 16, bandwidthGBps: 717, unifiedMemory: false, vastNames: ["RTX 4080", "RTX 4080S"],
  },
  {
    // 23.57 GiB: vLLM logs on 3090s report 23.56–23.58 (vllm#10517 "total_gpu_memory=23.58GiB").
    id: "rtx-3090", name: "NVIDIA GeForce RTX 3090", computeCapability: 8.6, family: "ampere", cpuArch: "amd64",
    memoryGiB: 23.57, marketingGB: 24, bandwidthGBps: 936, unifiedMemory: false, vastNames: ["RTX 3090"],
  },
  {
    // 44.42 GiB: vLLM "Free memory on device (43.93/44.42 GiB)" on an L40S.
    id: "l40s", name: "NVIDIA L40S", computeCapability: 8.9, family: "ada", cpuArch: "amd64",
    memoryGiB: 44.42, marketingGB: 48, bandwidthGBps: 864, unifiedMemory: false, vastNames: ["L40S"],
  },
  {
    // 39.39 GiB: vLLM "total_gpu_memory (39.39GiB)" (SXM4; PCIe boards report up to 39.5).
    id: "a100-40gb", name: "NVIDIA A100 40GB", computeCapability: 8.0, family: "ampere", cpuArch: "amd64",
    memoryGiB: 39.39, marketingGB: 40, bandwidthGBps: 1555, unifiedMemory: false, vastNames: ["A100 SXM4", "A100 PCIE"],
  },
  {
    // 79.15 GiB: "GPU 0 has a total capacity of 79.15 GiB" (A100-SXM4-80GB).
    id: "a100-80gb", name: "NVIDIA A100 80GB", computeCapability: 8.0, family: "ampere", cpuArch: "amd64",
    memoryGiB: 79.15, marketingGB: 80, bandwidthGBps: 2039, unifiedMemory: false, vastNames: ["A100 SXM4", "A100 PCIE", "A100X"],
  },
  {
    // 79.19 GiB: llm-d-planner accuracy report, H100-80GB, vLLM 0.19.0.
    id: "h100-80gb", name: "NVIDIA H100 80GB", computeCapability: 9.0, family: "hopper", cpuArch: "amd64",
    memoryGiB: 79.19, marketingGB: 80, bandwidthGBps: 3350, unifiedMemory: false, vastNames: ["H100 SXM", "H100 PCIE"],
  },
  {
    // 139.81 GiB: vLLM "Free memory on device (139.21/139.81 GiB)" on an H200.
    id: "h200", name: "NVIDIA H200", computeCapability: 9.0, family: "hopper", cpuArch: "amd64",
    memoryGiB: 139.81, marketingGB: 141, bandwidthGBps: 4800, unifiedMemory: false, vastNames: ["H200", "H200 NVL"],
  },
  {
    // 94.97 GiB: vLLM "Free memory on device (91.64/94.97 GiB)" on RTX PRO 6000 Blackwell.
    // Vast spelling not in the 2024 snapshot (the card is newer) [U].
    id: "rtx-pro-6000", name: "NVIDIA RTX PRO 6000 Blackwell", computeCapability: 12.0, family: "blackwell", cpuArch: "amd64",
    memoryGiB: 94.97, marketingGB: 96, bandwidthGBps: 1792, unifiedMemory: false, vastNames: ["RTX PRO 6000", "RTX PRO 6000 WS"],
  },
  {
    // GB10: 128 GB LPDDR5x shared by CPU and GPU; vLLM logs "Free memory on device (112.26/119.63 GiB)".
    // hostReservedGiB: on SM 12.1 vLLM and SGLang read "free" as the OS's MemAvailable
    // (vllm/utils/mem_utils.py MemorySnapshot.measure, sglang get_available_gpu_memory), so what the
    // OS, page cache and the engine's own start-up hold is gone before sizing: 119.63 − 112.26 = 7.4
    // GiB in the log above, the lowest seen — a headless Spark on kernel 6.17 had 102 of 121.69 GiB
    // free at vLLM's check (MiaAI-Lab/GLM-5.3-Flash-EXL3-2x-DGX-Sparks#47), and vLLM's recipes need 0.85
    // because "GB10's unified memory can't satisfy vLLM's default 0.92" (vllm-project/recipes#632).
    // Across the Spark startup logs read since (vLLM 0.27–0.28), total − free at the check ranged
    // 5.6–11.4 GiB (typically 7–9, more with a desktop or k3s up), and DGX OS 7.x (kernel 6.17)
    // reports 121.69 GiB total; the fixtures carry each log's own total.
    id: "dgx-spark", name: "NVIDIA DGX Spark (GB10)", computeCapability: 12.1, family: "blackwell", cpuArch: "arm64",
    memoryGiB: 119.63, marketingGB: 128, bandwidthGBps: 273, unifiedMemory: true, hostReservedGiB: 7.4, vastNames: [],
  },
  {
    // CPU-only llama.cpp hosts: memory is RAM; machines override memoryGiB with what they have.
    id: "cpu", name: "CPU only (no GPU)", computeCapability: null, family: "cpu", cpuArch: "amd64",
    memoryGiB: 16, marketingGB: 16, bandwidthGBps: 60, unifiedMemory: false, vastNames: [],
  },
];

const byId = new Map(hardwareCatalog.map((h) => [h.id, h]));

/**
 * A hardware profile by id (`rtx-5090`), case-insensitive; also accepts a Vast.ai `gpu_name`
 * (`RTX 5090`) when exactly one profile carries it.
 */
export function findHardware(id: string): HardwareProfile | undefined {
  const wanted = id.trim().toLowerCase();
  const exact = byId.get(wanted);
  if (exact) return exact;
  const byVast = hardwareCatalog.filter((h) => h.vastNames.some((n) => n.toLowerCase() === wanted));
  return byVast.length === 1 ? byVast[0] : undefined;
}

/**
 * How the GPUs of a tensor-parallel engine talk: SXM datacenter boards sit on NVLink/NVSwitch,
 * where NCCL allocates ≈ 2.1 GiB of buffers per GPU (llm-d-planner, H100, vLLM 0.19); PCIe cards
 * (workstation, consumer, L40S) measured ≈ 0.2 GiB.
 */
export function multiGpuInterconnect(hardware: HardwareProfile): "nvlink" | "pcie" {
  return hardware.family === "hopper" || hardware.id.startsWith("a100") ? "nvlink" : "pcie";
}
