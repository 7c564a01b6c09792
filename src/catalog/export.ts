import { kvBytesPerToken, type PresetCatalog, type SkuCatalog } from './catalog';
import type { RuntimeName } from './types';

/*
 * The catalog as plain data, for readers outside this process (the cluster's admission policy reads it from
 * a KaitoCatalog object). Only what the create-time rules and the fit check read; lookup keys are lower case,
 * as PresetCatalog and SkuCatalog look names up.
 */

/** One preset, as the rules and the fit check read it. */
export interface PresetData {
  /** Canonical name (what messages print). */
  readonly name: string;
  readonly defaultRuntime: RuntimeName;
  readonly transformersAllowed: boolean;
  readonly vllmLoraAllowed: boolean;
  readonly distributedAllowed: boolean;
  /** The model can be fine-tuned. */
  readonly tunable: boolean;
  readonly gated: boolean;
  readonly downloadAtRuntime: boolean;
  readonly deprecated: boolean;
  readonly weightsGiB: number;
  /** KV cache bytes of one token across all layers. */
  readonly kvBytesPerToken: number;
}

/** One instance type, as the fit check reads it. */
export interface SkuData {
  /** The name as the cloud spells it (what messages print). */
  readonly name: string;
  readonly gpuCount: number;
  readonly gpuMemoryPerGpuGiB: number;
  readonly totalGpuMemoryGiB: number;
  readonly gpuModel: string;
}

/** The whole catalog as data. */
export interface CatalogData {
  /** Presets by canonical name, lower case. */
  readonly presets: Readonly<Record<string, PresetData>>;
  /** Every name that selects a preset (name, alias, Hugging Face ID), lower case, to the key in `presets`. */
  readonly presetNames: Readonly<Record<string, string>>;
  /** Instance types by name, lower case. */
  readonly skus: Readonly<Record<string, SkuData>>;
  /** Canonical names of the tunable presets, in catalog order. */
  readonly tunablePresets: readonly string[];
}

/** The key a name is looked up under (PresetCatalog and SkuCatalog trim and lower-case too). */
export const catalogKey = (name: string): string => name.trim().toLowerCase();

/** The presets and instance types of two catalogs (registrations included) as plain data. */
export function catalogData(presets: PresetCatalog, skus: SkuCatalog): CatalogData {
  const presetEntries: Record<string, PresetData> = {};
  const presetNames: Record<string, string> = {};
  for (const p of presets.list()) {
    const key = catalogKey(p.name);
    presetEntries[key] = {
      name: p.name,
      defaultRuntime: p.defaultRuntime,
      transformersAllowed: p.transformersAllowed,
      vllmLoraAllowed: p.vllmLoraAllowed,
      distributedAllowed: p.distributedAllowed,
      tunable: p.tuning !== undefined,
      gated: p.gated,
      downloadAtRuntime: p.downloadAtRuntime,
      deprecated: p.deprecated === true,
      weightsGiB: p.weightsGiB,
      kvBytesPerToken: kvBytesPerToken(p),
    };
    for (const name of [p.name, ...p.aliases, ...(p.huggingFaceId === undefined ? [] : [p.huggingFaceId])]) {
      presetNames[catalogKey(name)] = key;
    }
  }
  const skuEntries: Record<string, SkuData> = {};
  for (const s of skus.list()) {
    skuEntries[catalogKey(s.name)] = {
      name: s.name,
      gpuCount: s.gpuCount,
      gpuMemoryPerGpuGiB: s.gpuMemoryPerGpuGiB,
      totalGpuMemoryGiB: s.totalGpuMemoryGiB,
      gpuModel: s.gpuModel,
    };
  }
  return {
    presets: presetEntries,
    presetNames,
    skus: skuEntries,
    tunablePresets: presets
      .list()
      .filter((p) => p.tuning !== undefined)
      .map((p) => p.name),
  };
}
