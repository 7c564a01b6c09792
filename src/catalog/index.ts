import { PresetCatalog, SkuCatalog } from './catalog';
import { MODEL_PRESETS } from './models';
import { GPU_SKUS } from './skus';
import type { GpuSku, ModelPreset } from './types';

export * from './types';
export type { InstanceType, PresetName } from './names';
export { PresetCatalog, SkuCatalog, isHuggingFaceId, kvBytesPerToken } from './catalog';
export { MODEL_PRESETS } from './models';
export {
  HYBRID_KV_ARCHITECTURES,
  LMCACHE_BROKEN_ARCHITECTURES,
  DEEP_GEMM_ARCHITECTURES,
  kvCacheOffloadAllowed,
  requiresDeepGemm,
} from './architectures';
export { GPU_SKUS, AZURE_SKUS, AWS_SKUS, ARC_SKUS } from './skus';
export { catalogData, catalogKey, type CatalogData, type PresetData, type SkuData } from './export';

/** The presets every face uses unless given another catalog. */
export const defaultPresets = new PresetCatalog(MODEL_PRESETS);

/** The instance types every face uses unless given another catalog. */
export const defaultSkus = new SkuCatalog(GPU_SKUS);

/** Registers a custom model preset in the default catalog. */
export function registerPreset(preset: ModelPreset): void {
  defaultPresets.register(preset);
}

/** Registers a custom instance type in the default catalog. */
export function registerSku(sku: GpuSku): void {
  defaultSkus.register(sku);
}
