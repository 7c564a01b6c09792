import type { GpuSku, ModelPreset } from './types';

/** Case-insensitive keyed table; later registrations replace earlier ones under the same key. */
class KeyedTable<T> {
  private readonly byKey = new Map<string, T>();
  private readonly entries: T[] = [];

  constructor(private readonly keysOf: (entry: T) => readonly string[]) {}

  add(entry: T): void {
    for (const key of this.keysOf(entry)) {
      const previous = this.byKey.get(key.toLowerCase());
      if (previous !== undefined && previous !== entry) {
        const index = this.entries.indexOf(previous);
        if (index >= 0) this.entries.splice(index, 1);
        for (const k of this.keysOf(previous)) this.byKey.delete(k.toLowerCase());
      }
    }
    this.entries.push(entry);
    for (const key of this.keysOf(entry)) this.byKey.set(key.toLowerCase(), entry);
  }

  get(key: string): T | undefined {
    return this.byKey.get(key.trim().toLowerCase());
  }

  list(): readonly T[] {
    return [...this.entries];
  }
}

/** Model presets, looked up by short name, legacy alias or Hugging Face ID, case-insensitively. */
export class PresetCatalog {
  private readonly table = new KeyedTable<ModelPreset>((p) => [
    p.name,
    ...p.aliases,
    ...(p.huggingFaceId === undefined ? [] : [p.huggingFaceId]),
  ]);

  constructor(presets: readonly ModelPreset[] = []) {
    for (const preset of presets) this.table.add(preset);
  }

  /** The preset registered under `nameOrId`, or undefined. */
  find(nameOrId: string): ModelPreset | undefined {
    return this.table.get(nameOrId);
  }

  /** Adds or replaces a preset (a custom model, or a corrected entry). */
  register(preset: ModelPreset): void {
    this.table.add(preset);
  }

  list(): readonly ModelPreset[] {
    return this.table.list();
  }
}

/** GPU instance types, looked up by name case-insensitively. */
export class SkuCatalog {
  private readonly table = new KeyedTable<GpuSku>((s) => [s.name]);

  constructor(skus: readonly GpuSku[] = []) {
    for (const s of skus) this.table.add(s);
  }

  find(instanceType: string): GpuSku | undefined {
    return this.table.get(instanceType);
  }

  /** Adds or replaces an instance type. */
  register(sku: GpuSku): void {
    this.table.add(sku);
  }

  list(): readonly GpuSku[] {
    return this.table.list();
  }
}

/** Whether `name` has the shape of a Hugging Face model ID (`org/model`). */
export function isHuggingFaceId(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name);
}

/**
 * KV cache bytes for one token of context, across all layers (see {@link KvCacheShape}): 1 byte per element when
 * the runtime is started with an fp8 cache (`vllm.kvCacheDtype`), else `bytesPerElement`, else 2.
 */
export function kvBytesPerToken(preset: ModelPreset): number {
  const kv = preset.kvCache;
  const bytes = preset.vllm?.kvCacheDtype === 'fp8' ? 1 : (kv.bytesPerElement ?? 2);
  if (kv.kvLoraRank !== undefined) return kv.layers * (kv.kvLoraRank + (kv.qkRopeHeadDim ?? 0)) * bytes;
  return 2 * kv.layers * kv.kvHeads * kv.headDim * bytes;
}
