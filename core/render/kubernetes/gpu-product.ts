/**
 * Values of the `nvidia.com/gpu.product` node label (set by NVIDIA GPU Feature Discovery, part of
 * the GPU operator) per hardware catalog id: the product name with spaces as '-'. A card sold in
 * several variants (SXM, PCIe) has several. Unverified spellings are why a pool may select its
 * nodes itself: a pool whose nodeSelector names `nvidia.com/gpu.product` overrides this table.
 */
const GPU_PRODUCTS: Readonly<Record<string, readonly string[]>> = {
  "rtx-5090": ["NVIDIA-GeForce-RTX-5090"],
  "rtx-4090": ["NVIDIA-GeForce-RTX-4090"],
  "rtx-4080": ["NVIDIA-GeForce-RTX-4080", "NVIDIA-GeForce-RTX-4080-SUPER"],
  "rtx-3090": ["NVIDIA-GeForce-RTX-3090"],
  l40s: ["NVIDIA-L40S"],
  "a100-40gb": ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-PCIE-40GB"],
  "a100-80gb": ["NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-80GB-PCIe"],
  "h100-80gb": ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"],
  h200: ["NVIDIA-H200"],
  "rtx-pro-6000": ["NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition", "NVIDIA-RTX-PRO-6000-Blackwell-Workstation-Edition"],
  "dgx-spark": ["NVIDIA-GB10"],
};

export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";

/** The product label values of a hardware id; empty for CPU and unknown ids (no product selector). */
export function gpuProducts(hardwareId: string): readonly string[] {
  return GPU_PRODUCTS[hardwareId] ?? [];
}
