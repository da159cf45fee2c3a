/** A small valid fleet that tests mutate one field at a time. */
export function validFleet(): any {
  return {
    machines: [
      { name: "gpu1", hardware: "rtx-4090", address: "gpu1.example.ts.net", bindAddress: "100.64.0.1" },
      { name: "spark", hardware: "dgx-spark", address: "spark.example.ts.net", bindAddress: "100.64.0.2" },
    ],
    recipes: {
      "llama-8b": { engine: "vllm", model: { id: "meta-llama/Llama-3.1-8B-Instruct" }, quantization: "bf16", maxModelLen: 8192, gpuMemoryUtilization: 0.9 },
      "qwen-32b": { engine: "vllm", model: { id: "Qwen/Qwen3-32B" }, quantization: "fp8", maxModelLen: 32768, gpuMemoryUtilization: 0.5 },
    },
    deployments: [
      { name: "chat", recipe: "llama-8b", machine: "gpu1", port: 8000 },
      { name: "big", recipe: "qwen-32b", machine: "spark", port: 8000 },
    ],
    gateway: {
      machine: "gpu1", port: 4000, masterKey: { secret: "litellmMasterKey" },
      providers: [{ name: "cloud", model: "deepseek/deepseek-chat", apiKey: { secret: "deepseekApiKey" }, contextWindow: 131072 }],
      routes: [{ name: "smart", targets: ["big", "chat", "cloud"], contextWindow: 8192 }],
    },
    monitoring: { machine: "gpu1", port: 9090 },
  };
}
