import type { GpuSku } from './types';

/*
 * GPU instance types, as data. Sources: Kaito's SKU handlers at v0.12.0 (Azure, AWS, Arc) and the
 * older Azure entries of v0.4.6 that Kaito has since dropped but users still run (V100, T4, M60, MI25).
 * Old tables print decimal GB for the total; a V100 has 16 GiB, so the GiB figures are used.
 */

function sku(
  name: string,
  cloud: GpuSku['cloud'],
  gpuCount: number,
  gpuMemoryPerGpuGiB: number,
  gpuModel: string,
  computeCapability: string | undefined,
  nvme: boolean,
  legacy = false,
): GpuSku {
  const gpuVendor: GpuSku['gpuVendor'] = /AMD/.test(gpuModel)
    ? 'amd'
    : /Trainium|Inferentia/.test(gpuModel)
      ? 'aws'
      : 'nvidia';
  return {
    name,
    cloud,
    gpuCount,
    gpuMemoryPerGpuGiB,
    totalGpuMemoryGiB: gpuCount * gpuMemoryPerGpuGiB,
    gpuModel,
    gpuVendor,
    ...(computeCapability === undefined ? {} : { computeCapability }),
    nvme,
    legacy,
  };
}

const A10 = 'NVIDIA A10';
const A100 = 'NVIDIA A100';
const H100 = 'NVIDIA H100';
const V100 = 'NVIDIA V100';
const T4 = 'NVIDIA T4';
const M60 = 'NVIDIA M60';

/** Kaito's current Azure table plus the older Azure SKUs still in use. */
export const AZURE_SKUS: readonly GpuSku[] = [
  sku('Standard_NV36ads_A10_v5', 'azure', 1, 24, A10, '8.6', false),
  sku('Standard_NV72ads_A10_v5', 'azure', 2, 24, A10, '8.6', false),
  sku('Standard_NC24ads_A100_v4', 'azure', 1, 80, A100, '8.0', true),
  sku('Standard_NC48ads_A100_v4', 'azure', 2, 80, A100, '8.0', true),
  sku('Standard_NC96ads_A100_v4', 'azure', 4, 80, A100, '8.0', true),
  sku('Standard_ND96asr_A100_v4', 'azure', 8, 40, A100, '8.0', false),
  sku('Standard_ND96amsr_A100_v4', 'azure', 8, 80, A100, '8.0', true),
  sku('Standard_NC40ads_H100_v5', 'azure', 1, 94, H100, '9.0', true),
  sku('Standard_NC80adis_H100_v5', 'azure', 2, 94, H100, '9.0', true),
  sku('Standard_ND96isr_H100_v5', 'azure', 8, 80, H100, '9.0', true),
  sku('Standard_NCC40ads_H100_v5', 'azure', 1, 94, H100, '9.0', false),
  sku('Standard_ND96isr_H200_v5', 'azure', 8, 141, 'NVIDIA H200', '9.0', true),
  sku('Standard_NG32ads_V620_v1', 'azure', 1, 32, 'AMD Radeon PRO V620', undefined, false),
  sku('Standard_NG32adms_V620_v1', 'azure', 1, 32, 'AMD Radeon PRO V620', undefined, false),
  // Dropped from Kaito's table (compute capability < 8.0) but still run by users.
  sku('Standard_NC6s_v3', 'azure', 1, 16, V100, '7.0', false, true),
  sku('Standard_NC12s_v3', 'azure', 2, 16, V100, '7.0', false, true),
  sku('Standard_NC24s_v3', 'azure', 4, 16, V100, '7.0', false, true),
  sku('Standard_NC24rs_v3', 'azure', 4, 16, V100, '7.0', false, true),
  sku('Standard_NC4as_T4_v3', 'azure', 1, 16, T4, '7.5', false, true),
  sku('Standard_NC8as_T4_v3', 'azure', 1, 16, T4, '7.5', false, true),
  sku('Standard_NC16as_T4_v3', 'azure', 1, 16, T4, '7.5', false, true),
  sku('Standard_NC64as_T4_v3', 'azure', 4, 16, T4, '7.5', false, true),
  sku('Standard_NV6', 'azure', 1, 8, M60, '5.2', false, true),
  sku('Standard_NV12', 'azure', 2, 8, M60, '5.2', false, true),
  sku('Standard_NV24', 'azure', 4, 8, M60, '5.2', false, true),
  sku('Standard_NV12s_v3', 'azure', 1, 8, M60, '5.2', false, true),
  sku('Standard_NV24s_v3', 'azure', 2, 8, M60, '5.2', false, true),
  sku('Standard_NV48s_v3', 'azure', 4, 8, M60, '5.2', false, true),
  sku('Standard_NV32as_v4', 'azure', 1, 16, 'AMD Radeon Instinct MI25', undefined, false, true),
];

const L4 = 'NVIDIA L4';
const A10G = 'NVIDIA A10G';
const V520 = 'AMD Radeon Pro V520';

/** Kaito's current AWS table. */
export const AWS_SKUS: readonly GpuSku[] = [
  sku('p4d.24xlarge', 'aws', 8, 40, A100, '8.0', true),
  sku('p4de.24xlarge', 'aws', 8, 80, A100, '8.0', true),
  sku('p5.48xlarge', 'aws', 8, 80, H100, '9.0', true),
  sku('p5e.48xlarge', 'aws', 8, 141, 'NVIDIA H200', '9.0', true),
  sku('p5en.48xlarge', 'aws', 8, 141, 'NVIDIA H200', '9.0', true),
  ...['g6.xlarge', 'g6.2xlarge', 'g6.4xlarge', 'g6.8xlarge', 'g6.16xlarge', 'gr6.4xlarge', 'gr6.8xlarge'].map((n) =>
    sku(n, 'aws', 1, 24, L4, '8.9', true),
  ),
  sku('g6.12xlarge', 'aws', 4, 24, L4, '8.9', true),
  sku('g6.24xlarge', 'aws', 4, 24, L4, '8.9', true),
  sku('g6.48xlarge', 'aws', 8, 24, L4, '8.9', true),
  ...['g5.xlarge', 'g5.2xlarge', 'g5.4xlarge', 'g5.8xlarge', 'g5.16xlarge'].map((n) =>
    sku(n, 'aws', 1, 24, A10G, '8.6', true),
  ),
  sku('g5.12xlarge', 'aws', 4, 24, A10G, '8.6', true),
  sku('g5.24xlarge', 'aws', 4, 24, A10G, '8.6', true),
  sku('g5.48xlarge', 'aws', 8, 24, A10G, '8.6', true),
  sku('g4ad.xlarge', 'aws', 1, 8, V520, undefined, true),
  sku('g4ad.2xlarge', 'aws', 1, 8, V520, undefined, true),
  sku('g4ad.4xlarge', 'aws', 1, 8, V520, undefined, true),
  sku('g4ad.8xlarge', 'aws', 2, 8, V520, undefined, true),
  sku('g4ad.16xlarge', 'aws', 4, 8, V520, undefined, true),
  sku('trn1.2xlarge', 'aws', 1, 32, 'AWS Trainium', undefined, true),
  sku('trn1.32xlarge', 'aws', 16, 32, 'AWS Trainium', undefined, true),
  sku('trn1n.32xlarge', 'aws', 16, 32, 'AWS Trainium', undefined, true),
  sku('inf2.xlarge', 'aws', 1, 32, 'AWS Inferentia2', undefined, false),
  sku('inf2.8xlarge', 'aws', 1, 32, 'AWS Inferentia2', undefined, false),
  sku('inf2.24xlarge', 'aws', 6, 32, 'AWS Inferentia2', undefined, false),
  sku('inf2.48xlarge', 'aws', 12, 32, 'AWS Inferentia2', undefined, false),
];

/** Kaito's Azure Arc (AKS on Azure Local) table. */
export const ARC_SKUS: readonly GpuSku[] = [
  sku('Standard_NC4_A2', 'arc', 1, 16, 'NVIDIA A2', '8.6', false),
  sku('Standard_NC8_A2', 'arc', 1, 16, 'NVIDIA A2', '8.6', false),
  sku('Standard_NC16_A2', 'arc', 2, 16, 'NVIDIA A2', '8.6', false),
  sku('Standard_NC32_A2', 'arc', 2, 16, 'NVIDIA A2', '8.6', false),
  sku('Standard_NC4_A16', 'arc', 1, 16, 'NVIDIA A16', '8.6', false),
  sku('Standard_NC8_A16', 'arc', 1, 16, 'NVIDIA A16', '8.6', false),
  sku('Standard_NC16_A16', 'arc', 2, 16, 'NVIDIA A16', '8.6', false),
  sku('Standard_NC32_A16', 'arc', 2, 16, 'NVIDIA A16', '8.6', false),
];

export const GPU_SKUS: readonly GpuSku[] = [...AZURE_SKUS, ...AWS_SKUS, ...ARC_SKUS];
