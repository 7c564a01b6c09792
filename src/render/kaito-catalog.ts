import type { CatalogOptions } from '../api/rules';
import { catalogData, defaultPresets, defaultSkus, type PresetData, type SkuData } from '../catalog';
import { FITS_ONE_NODE, gpuMemoryUtilization, suggestSkus } from '../plan';
import { KAITO_CATALOG_API_VERSION, KAITO_CATALOG_KIND, KAITO_CATALOG_NAME, partOf } from './kaito-catalog-crd';
import type { KubeObject } from './options';

/*
 * The KaitoCatalog: the preset and instance-type catalog as a cluster-scoped custom resource, the parameters
 * of the Workspace admission policy (./admission). Extending the catalog in a cluster is applying a new
 * KaitoCatalog, not changing a CRD or a policy.
 */

/** Instance types on which one node holds the model, smallest first (at most three): the messages' suggestions. */
export interface InstanceTypesThatFit {
  readonly vllm: readonly string[];
  readonly transformers: readonly string[];
  readonly lora: readonly string[];
  readonly qlora: readonly string[];
}

/** A preset of the KaitoCatalog. */
export interface KaitoCatalogPreset extends PresetData {
  readonly instanceTypesThatFit: InstanceTypesThatFit;
}

/** An instance type of the KaitoCatalog. */
export interface KaitoCatalogSku extends SkuData {
  /** Fraction of GPU memory vLLM is told to use on it. */
  readonly gpuMemoryUtilization: number;
}

/** The spec of a KaitoCatalog. */
export interface KaitoCatalogSpec {
  readonly presets: Readonly<Record<string, KaitoCatalogPreset>>;
  readonly presetNames: Readonly<Record<string, string>>;
  readonly skus: Readonly<Record<string, KaitoCatalogSku>>;
  readonly tunablePresets: readonly string[];
}

/** The catalog of `options` (the default catalogs, with every registerPreset / registerSku) as a KaitoCatalog spec. */
export function kaitoCatalogSpec(options: CatalogOptions = {}): KaitoCatalogSpec {
  const presets = options.presets ?? defaultPresets;
  const skus = options.skus ?? defaultSkus;
  const data = catalogData(presets, skus);
  const withSuggestions: Record<string, KaitoCatalogPreset> = {};
  for (const [key, entry] of Object.entries(data.presets)) {
    const preset = presets.find(entry.name)!;
    const fits = (how: keyof typeof FITS_ONE_NODE) => suggestSkus((s) => FITS_ONE_NODE[how](preset, s), skus);
    withSuggestions[key] = {
      ...entry,
      instanceTypesThatFit: {
        vllm: fits('vllm'),
        transformers: fits('transformers'),
        lora: fits('lora'),
        qlora: fits('qlora'),
      },
    };
  }
  const skuEntries: Record<string, KaitoCatalogSku> = {};
  for (const [key, sku] of Object.entries(data.skus)) {
    skuEntries[key] = { ...sku, gpuMemoryUtilization: gpuMemoryUtilization(sku) };
  }
  return {
    presets: withSuggestions,
    presetNames: data.presetNames,
    skus: skuEntries,
    tunablePresets: data.tunablePresets,
  };
}

/** The KaitoCatalog object the admission policy reads (`kubectl get kaitocatalog default -o yaml`). */
export function renderKaitoCatalog(options: CatalogOptions = {}): KubeObject {
  return {
    apiVersion: KAITO_CATALOG_API_VERSION,
    kind: KAITO_CATALOG_KIND,
    metadata: { name: KAITO_CATALOG_NAME, labels: partOf() },
    spec: kaitoCatalogSpec(options),
  };
}
