import {
  defaultPresets,
  defaultSkus,
  isHuggingFaceId,
  type ModelPreset,
  type PresetCatalog,
  type RuntimeName,
  type SkuCatalog,
} from '../catalog';
import { MSG } from './messages';
import { childPath, error, warning, type Problem } from './problems';
import { ADAPTER_NAME_MAX, DNS1123_LABEL, INFERENCE_NAME_MAX } from './schema';
import {
  ANNOTATION_BYPASS_RESOURCE_CHECKS,
  ANNOTATION_NODE_IMAGE_FAMILY,
  ANNOTATION_PERFORMANCE_MODE,
  ANNOTATION_RUNTIME,
  PERFORMANCE_MODES,
  RESERVED_SELECTOR_KEYS,
  migSliceGiB,
  type AdapterSpec,
  type PresetSpec,
  type Workspace,
  type WorkspaceVersion,
} from './types';
import { unsafeUrlReason } from './url-safety';
import { dnsLabelProblem, isDnsLabel } from './names';
import { workspacePodSecurityProblems } from './pod-security';
import { IMAGE_REF, IMAGE_REF_ANY_CASE } from './image-ref';
import { closestNames } from './suggest';

/** The catalogs validation and planning read. */
export interface CatalogOptions {
  /** @default the default preset catalog */
  readonly presets?: PresetCatalog;
  /** @default the default SKU catalog */
  readonly skus?: SkuCatalog;
  /**
   * Accept pod templates and volumes that Pod Security "baseline" refuses (privileged containers, host
   * namespaces, hostPath, added capabilities, ...) and templates that pick a service account. For an operator
   * whose installer allows them (`kaito-reconciler --allow-privileged-templates`); never from the workspace.
   * @default false
   */
  readonly allowPrivilegedPods?: boolean;
}

/** How a preset name resolved. */
export type ResolvedPreset =
  | { readonly kind: 'catalog'; readonly preset: ModelPreset }
  /** A Hugging Face ID outside the catalog: served best-effort by vLLM, size unknown. */
  | { readonly kind: 'huggingface'; readonly id: string };

export function resolvePreset(name: string, presets: PresetCatalog = defaultPresets): ResolvedPreset | undefined {
  const preset = presets.find(name);
  if (preset !== undefined) return { kind: 'catalog', preset };
  if (isHuggingFaceId(name)) return { kind: 'huggingface', id: name };
  return undefined;
}

/** The runtime a workspace asks for: the annotation, else the preset's default. */
export function runtimeOf(workspace: Workspace, preset?: ModelPreset): RuntimeName {
  const annotated = workspace.metadata.annotations?.[ANNOTATION_RUNTIME];
  if (annotated === 'vllm' || annotated === 'transformers') return annotated;
  return preset?.defaultRuntime ?? 'vllm';
}

const VALID_STRENGTH = /^([0-9]+\.?[0-9]*|\.[0-9]+)$/;

/** The adapter strength as a number, or undefined when it is not a number in [0, 1]. */
export function parseStrength(value: string): number | undefined {
  if (!VALID_STRENGTH.test(value)) return undefined;
  const n = Number(value);
  return n >= 0 && n <= 1 ? n : undefined;
}

/** Problems with an image reference: an error when it cannot be one, a warning when only its case is wrong. */
function checkImage(value: string, path: string, out: Problem[]): void {
  if (IMAGE_REF.test(value)) return;
  if (IMAGE_REF_ANY_CASE.test(value)) {
    out.push(
      warning(
        path,
        `${JSON.stringify(value)}: repository names must be lower case, so Kaito rejects it and no registry takes it; ` +
          'accepted here as a placeholder: set the real image before the workspace runs',
      ),
    );
  } else {
    out.push(error(path, `${JSON.stringify(value)} ${MSG.imageReference}`));
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const present = <T>(v: T | undefined): T[] => (v === undefined ? [] : [v]);

/**
 * What a DNS-1123 name still cannot be for an inference workspace: the names of the objects it becomes
 * (Services are DNS-1035 labels; the StatefulSet's pods carry `<name>-<revision hash>` as a label value).
 */
function inferenceNameProblem(ws: Workspace, name: string): Problem | undefined {
  if (ws.inference === undefined) return undefined;
  if (name.length > INFERENCE_NAME_MAX) return error('metadata.name', MSG.inferenceNameLength);
  if (!/^[a-z]/.test(name)) return error('metadata.name', MSG.inferenceNameLetter);
  return undefined;
}

/**
 * Kaito's create-time rules and ours, on a structurally valid Workspace (internal model). Returns every
 * problem with its field path; fit (does the model fit the nodes) is checked by the planner.
 */
export function checkRules(ws: Workspace, version: WorkspaceVersion, options: CatalogOptions = {}): Problem[] {
  const presets = options.presets ?? defaultPresets;
  const skus = options.skus ?? defaultSkus;
  const out: Problem[] = [];
  const annotations = ws.metadata.annotations ?? {};

  const name: unknown = ws.metadata.name;
  if (name === undefined || name === '') out.push(error('metadata.name', 'required value'));
  else out.push(...present(isDnsLabel(name) ? inferenceNameProblem(ws, name) : dnsLabelProblem(name, 'metadata.name')));
  const namespace: unknown = ws.metadata.namespace;
  if (namespace !== undefined) out.push(...present(dnsLabelProblem(namespace, 'metadata.namespace')));

  const runtimeAnnotation = annotations[ANNOTATION_RUNTIME];
  if (runtimeAnnotation !== undefined && runtimeAnnotation !== 'vllm' && runtimeAnnotation !== 'transformers') {
    out.push(
      error(
        `metadata.annotations[${ANNOTATION_RUNTIME}]`,
        `unsupported value ${JSON.stringify(runtimeAnnotation)}: supported values: "vllm", "transformers"`,
      ),
    );
  }
  const imageFamily = annotations[ANNOTATION_NODE_IMAGE_FAMILY];
  if (imageFamily !== undefined && imageFamily !== 'ubuntu' && imageFamily !== 'azurelinux') {
    out.push(
      error(
        `metadata.annotations[${ANNOTATION_NODE_IMAGE_FAMILY}]`,
        `unsupported value ${JSON.stringify(imageFamily)}: supported values: "ubuntu", "azurelinux"`,
      ),
    );
  }

  const performanceMode = annotations[ANNOTATION_PERFORMANCE_MODE];
  if (performanceMode !== undefined) {
    const path = `metadata.annotations[${ANNOTATION_PERFORMANCE_MODE}]`;
    if (!(PERFORMANCE_MODES as readonly string[]).includes(performanceMode)) {
      const supported = PERFORMANCE_MODES.map((m) => JSON.stringify(m)).join(', ');
      out.push(error(path, `unsupported value ${JSON.stringify(performanceMode)}: supported values: ${supported}`));
    } else if (ws.inference === undefined || runtimeAnnotation === 'transformers') {
      out.push(warning(path, 'only the vLLM inference runtime has performance modes; it is ignored here'));
    }
  }

  if ((ws.inference === undefined) === (ws.tuning === undefined)) out.push(error('', MSG.inferenceXorTuning));

  checkResource(ws, version, skus, annotations, out);
  if (ws.inference !== undefined) checkInference(ws, version, presets, out);
  if (ws.tuning !== undefined) checkTuning(ws, presets, out);
  if (options.allowPrivilegedPods !== true) out.push(...workspacePodSecurityProblems(ws));
  return out;
}

function checkResource(
  ws: Workspace,
  version: WorkspaceVersion,
  skus: SkuCatalog,
  annotations: Record<string, string>,
  out: Problem[],
): void {
  const resource = ws.resource;
  const matchLabels = resource.labelSelector?.matchLabels ?? {};
  const keys = Object.keys(matchLabels);
  if (!keys.some((k) => !RESERVED_SELECTOR_KEYS.includes(k))) {
    out.push(error('resource.labelSelector.matchLabels', MSG.reservedSelector));
  }
  for (const key of keys.filter((k) => RESERVED_SELECTOR_KEYS.includes(k))) {
    out.push(warning(`resource.labelSelector.matchLabels[${key}]`, 'reserved by Kaito; it is ignored'));
  }

  const instanceType = resource.instanceType;
  const retired = isString(instanceType) && instanceType !== '' ? skus.find(instanceType) : undefined;
  if (retired?.legacy === true && retired.cloud === 'azure') {
    // Kept on purpose: users' manifests (the seed examples among them) still name these.
    const gpu = retired.gpuModel.replace(/^(NVIDIA|AMD Radeon Instinct) /, '');
    out.push(
      warning(
        'resource.instanceType',
        `${retired.name} (${gpu}) was retired by Azure and Kaito no longer serves it; it still works here`,
      ),
    );
  }
  if (isString(instanceType) && instanceType !== '' && skus.find(instanceType) === undefined) {
    const bypass = annotations[ANNOTATION_BYPASS_RESOURCE_CHECKS] !== undefined;
    const near = closestNames(
      instanceType,
      skus.list().map((s) => s.name),
      true,
    );
    const message =
      `unknown instance type ${JSON.stringify(instanceType)}. Did you mean ` +
      `${near.map((n) => JSON.stringify(n)).join(', ')}? kaito skus lists every known one; register it with ` +
      `registerSku(), or add the annotation ${ANNOTATION_BYPASS_RESOURCE_CHECKS} to skip the GPU checks`;
    out.push(bypass ? warning('resource.instanceType', message) : error('resource.instanceType', message));
  }
  if (version === 'v1beta1' && resource.preferredNodes !== undefined) {
    out.push(warning('resource.preferredNodes', 'deprecated in v1beta1'));
  }
  if (resource.partition !== undefined && isString(instanceType) && instanceType !== '') {
    out.push(error('resource.partition', MSG.partitionByo));
  }
  const partition = resource.partition;
  if (partition?.mode === 'mig') {
    const profile = partition.profile;
    if (!isString(profile) || migSliceGiB(profile) === undefined || partition.count !== undefined) {
      out.push(
        error(
          partition.count !== undefined ? 'resource.partition.count' : 'resource.partition.profile',
          MSG.migProfile,
        ),
      );
    }
  } else if (partition?.mode === 'accelerator') {
    if (partition.count === undefined || partition.profile !== undefined) {
      out.push(
        error(
          partition.profile !== undefined ? 'resource.partition.profile' : 'resource.partition.count',
          MSG.acceleratorCount,
        ),
      );
    }
  }
  if (ws.tuning !== undefined) {
    if (resource.count !== undefined && resource.count !== 1) out.push(error('resource.count', MSG.tuningCount));
    if (resource.partition !== undefined) out.push(error('resource.partition', MSG.tuningPartition));
  }
}

function checkPreset(
  preset: PresetSpec | undefined,
  path: string,
  presets: PresetCatalog,
  out: Problem[],
): ResolvedPreset | undefined {
  if (preset === undefined || !isString(preset.name)) return undefined;
  const resolved = resolvePreset(preset.name, presets);
  if (resolved === undefined) {
    const near = closestNames(
      preset.name,
      presets.list().flatMap((p) => [p.name, ...p.aliases]),
    );
    const hint = near.length > 0 ? ` Did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?` : '';
    out.push(
      error(
        childPath(path, 'name'),
        `unknown preset ${JSON.stringify(preset.name)}.${hint} Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), ` +
          'or register the model with registerPreset()',
      ),
    );
    return undefined;
  }
  if (resolved.kind === 'catalog' && (resolved.preset.source === 'classic' || resolved.preset.source === 'private')) {
    // Kept on purpose: their runtime images and weights are still published and users' manifests name them.
    out.push(
      warning(
        childPath(path, 'name'),
        `${JSON.stringify(preset.name)}: Kaito removed the falcon, phi-2 and llama-2 presets (v0.11) and no longer serves them; it still works here`,
      ),
    );
  }
  if (resolved.kind === 'catalog' && resolved.preset.deprecated === true) {
    out.push(
      error(childPath(path, 'name'), `model ${JSON.stringify(preset.name)} is deprecated and no longer supported`),
    );
  }
  if (preset.accessMode === 'private' && !isString(preset.presetOptions?.image)) {
    out.push(error(childPath(path, 'presetOptions.image'), MSG.privateImage));
  }
  return resolved;
}

function checkInference(ws: Workspace, version: WorkspaceVersion, presets: PresetCatalog, out: Problem[]): void {
  const inference = ws.inference!;
  if ((inference.preset === undefined) === (inference.template === undefined)) {
    out.push(error('inference', MSG.presetXorTemplate));
  }
  const resolved = checkPreset(inference.preset, 'inference.preset', presets, out);
  const preset = resolved?.kind === 'catalog' ? resolved.preset : undefined;
  const runtime = runtimeOf(ws, preset);
  if (resolved !== undefined && runtime === 'transformers') {
    const allowed = resolved.kind === 'catalog' && resolved.preset.transformersAllowed;
    if (!allowed) {
      out.push(
        error(
          `metadata.annotations[${ANNOTATION_RUNTIME}]`,
          `model ${JSON.stringify(inference.preset!.name)} does not support inference with the transformers runtime; remove the annotation to use vLLM`,
        ),
      );
    }
  }
  // Gated weights are fetched with the token at run time; presets whose weights ship in an image need none.
  if (
    preset?.gated === true &&
    preset.downloadAtRuntime &&
    !isString(inference.preset?.presetOptions?.modelAccessSecret)
  ) {
    const how = version === 'v1alpha1' ? ' (a kaito.sh/v1beta1 field: change apiVersion to kaito.sh/v1beta1)' : '';
    out.push(
      error(
        'inference.preset.presetOptions.modelAccessSecret',
        `model ${JSON.stringify(preset.name)} is gated on Hugging Face: name a Secret with key HF_TOKEN${how}`,
      ),
    );
  }
  if (
    preset !== undefined &&
    !preset.downloadAtRuntime &&
    isString(inference.preset?.presetOptions?.modelAccessSecret)
  ) {
    out.push(
      error(
        'inference.preset.presetOptions.modelAccessSecret',
        `model ${JSON.stringify(preset.name)} ships its weights in an image, not from Hugging Face: remove modelAccessSecret`,
      ),
    );
  }
  if (inference.template !== undefined) {
    const containers = (inference.template as { spec?: { containers?: unknown } }).spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) {
      out.push(error('inference.template.spec.containers', 'a pod template needs at least one container'));
    }
  }
  checkAdapters(inference.adapters ?? [], runtime, preset, out);
}

function checkAdapters(
  adapters: readonly AdapterSpec[],
  runtime: RuntimeName,
  preset: ModelPreset | undefined,
  out: Problem[],
): void {
  if (adapters.length === 0) return;
  if (runtime === 'vllm' && preset !== undefined && !preset.vllmLoraAllowed) {
    out.push(
      error(
        'inference.adapters',
        `vLLM cannot load LoRA adapters for model ${JSON.stringify(preset.name)}; use the transformers runtime`,
      ),
    );
  }
  const seen = new Map<string, number>();
  adapters.forEach((adapter, i) => {
    const path = childPath('inference.adapters', i);
    const source = adapter.source;
    if (
      source === undefined ||
      !isString(source.name) ||
      (source.image === undefined && source.volumeSource === undefined)
    ) {
      out.push(error(childPath(path, 'source'), MSG.adapterSourceRequired));
    }
    if (source?.urls !== undefined) out.push(error(childPath(path, 'source.urls'), MSG.adapterUrls));
    if (isString(source?.name)) {
      if (source.name.length > ADAPTER_NAME_MAX || !new RegExp(DNS1123_LABEL).test(source.name)) {
        out.push(error(childPath(path, 'source.name'), `${JSON.stringify(source.name)} ${MSG.adapterName}`));
      }
      const first = seen.get(source.name);
      if (first !== undefined) {
        out.push(
          error(
            childPath(path, 'source.name'),
            `${MSG.adaptersUnique}: ${JSON.stringify(source.name)} is also adapter ${first}`,
          ),
        );
      } else seen.set(source.name, i);
    }
    if (isString(source?.image)) checkImage(source.image, childPath(path, 'source.image'), out);
    if (isString(adapter.strength)) {
      const strength = parseStrength(adapter.strength);
      if (strength === undefined) {
        out.push(error(childPath(path, 'strength'), `${JSON.stringify(adapter.strength)}: ${MSG.strengthRange}`));
      } else if (runtime === 'vllm' && strength !== 1) {
        out.push(error(childPath(path, 'strength'), MSG.strengthVllm));
      } else if (runtime === 'vllm') {
        out.push(warning(childPath(path, 'strength'), MSG.strengthVllmFull));
      }
    }
  });
  if (adapters.length > 10) out.push(error('inference.adapters', `must have at most 10 items, has ${adapters.length}`));
}

function checkTuning(ws: Workspace, presets: PresetCatalog, out: Problem[]): void {
  const tuning = ws.tuning!;
  if (tuning.preset === undefined) out.push(error('tuning.preset', MSG.tuningPreset));
  const resolved = checkPreset(tuning.preset, 'tuning.preset', presets, out);
  if (resolved !== undefined && (resolved.kind !== 'catalog' || resolved.preset.tuning === undefined)) {
    const tunable = presets
      .list()
      .filter((p) => p.tuning !== undefined)
      .map((p) => p.name);
    out.push(
      error(
        'tuning.preset.name',
        `model ${JSON.stringify(tuning.preset!.name)} cannot be fine-tuned; tunable models: ${tunable.join(', ')}`,
      ),
    );
  }
  if (tuning.method === undefined) out.push(error('tuning.method', 'required value: "lora" or "qlora"'));

  const input = tuning.input;
  if (input !== undefined) {
    const kinds = [input.urls, input.image, input.volumeSource].filter((x) => x !== undefined).length;
    if (kinds !== 1) out.push(error('tuning.input', MSG.inputExactlyOne));
    (input.urls ?? []).forEach((url, i) => {
      const reason = isString(url) ? unsafeUrlReason(url) : 'scheme';
      if (reason !== undefined) {
        out.push(
          error(
            childPath('tuning.input.urls', i),
            `${JSON.stringify(url)} ${MSG[reason === 'scheme' ? 'urlScheme' : reason === 'syntax' ? 'urlSyntax' : 'urlHost']}`,
          ),
        );
      }
    });
    if (isString(input.image)) checkImage(input.image, 'tuning.input.image', out);
  }
  const output = tuning.output;
  if (output !== undefined) {
    if ((output.image === undefined) === (output.volumeSource === undefined)) {
      out.push(error('tuning.output', MSG.outputExactlyOne));
    }
    if (output.image !== undefined && !isString(output.imagePushSecret)) {
      out.push(error('tuning.output.imagePushSecret', MSG.imagePushSecret));
    }
    if (isString(output.image)) checkImage(output.image, 'tuning.output.image', out);
  }
}
