/*
 * The closed sets of values the Pulumi args take, as `as const` objects with a type of the same name: a
 * TypeScript program passes the strings themselves (`runtime: 'vllm'`), and Pulumi's component schema lists
 * them as enums for the other languages. Each set is checked below to be exactly the core's.
 */
import type { TuningMethod as CoreTuningMethod, PartitionSpec, PresetSpec, WorkspaceVersion } from '../api';
import type { RuntimeName as CoreRuntimeName } from '../catalog';
import type { WorkloadMode as CoreWorkloadMode } from '../plan';
import type {
  GpuDriver as CoreGpuDriver,
  GpuInstanceProfile as CoreGpuInstanceProfile,
  OsSku as CoreOsSku,
} from '../plan/node-pool';
import type { OperatorNodeProvisioner as CoreNodeProvisioner } from '../render';

/** The version a workspace's args are written in. */
export const WorkspaceApiVersion = { V1alpha1: 'kaito.sh/v1alpha1', V1beta1: 'kaito.sh/v1beta1' } as const;
export type WorkspaceApiVersion = (typeof WorkspaceApiVersion)[keyof typeof WorkspaceApiVersion];

/** Inference runtime of a workspace (`kaito.sh/runtime`). */
export const RuntimeName = { Vllm: 'vllm', Transformers: 'transformers' } as const;
export type RuntimeName = (typeof RuntimeName)[keyof typeof RuntimeName];

/** How a workload is declared: a Workspace the operator reconciles, or the workload objects themselves. */
export const WorkloadMode = { Operator: 'operator', Direct: 'direct' } as const;
export type WorkloadMode = (typeof WorkloadMode)[keyof typeof WorkloadMode];

/** Fine-tuning method: LoRA, or QLoRA (4-bit base weights). */
export const TuningMethod = { Lora: 'lora', Qlora: 'qlora' } as const;
export type TuningMethod = (typeof TuningMethod)[keyof typeof TuningMethod];

/** How a GPU is partitioned: NVIDIA Multi-Instance GPU, or an accelerator's own partitions. */
export const PartitionMode = { Mig: 'mig', Accelerator: 'accelerator' } as const;
export type PartitionMode = (typeof PartitionMode)[keyof typeof PartitionMode];

/** Whether a preset's image is public or in a private registry. */
export const PresetAccessMode = { Public: 'public', Private: 'private' } as const;
export type PresetAccessMode = (typeof PresetAccessMode)[keyof typeof PresetAccessMode];

/** Linux node image of an AKS GPU pool. */
export const OsSku = {
  Ubuntu: 'Ubuntu',
  Ubuntu2204: 'Ubuntu2204',
  AzureLinux: 'AzureLinux',
  AzureLinux3: 'AzureLinux3',
  CBLMariner: 'CBLMariner',
} as const;
export type OsSku = (typeof OsSku)[keyof typeof OsSku];

/** Whether AKS installs the NVIDIA driver (`Install`) or leaves it to you (`None`). */
export const GpuDriver = { Install: 'Install', None: 'None' } as const;
export type GpuDriver = (typeof GpuDriver)[keyof typeof GpuDriver];

/** Multi-Instance GPU profile of A100/H100 nodes. */
export const GpuInstanceProfile = {
  MIG1g: 'MIG1g',
  MIG2g: 'MIG2g',
  MIG3g: 'MIG3g',
  MIG4g: 'MIG4g',
  MIG7g: 'MIG7g',
} as const;
export type GpuInstanceProfile = (typeof GpuInstanceProfile)[keyof typeof GpuInstanceProfile];

/** How the reconciler gets GPU nodes (its `--node-provisioner` flag). */
export const OperatorNodeProvisioner = {
  GpuProvisioner: 'gpu-provisioner',
  Karpenter: 'karpenter',
  Machine: 'machine',
  KarpenterNodePool: 'karpenter-nodepool',
  Byo: 'byo',
} as const;
export type OperatorNodeProvisioner = (typeof OperatorNodeProvisioner)[keyof typeof OperatorNodeProvisioner];

/** `true` when the two unions hold the same values, else `never`. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;

// Fails to compile when a set here and the core's drift apart.
const SAME_AS_CORE: readonly true[] = [
  true satisfies Same<WorkspaceApiVersion, `kaito.sh/${WorkspaceVersion}`>,
  true satisfies Same<RuntimeName, CoreRuntimeName>,
  true satisfies Same<WorkloadMode, CoreWorkloadMode>,
  true satisfies Same<TuningMethod, CoreTuningMethod>,
  true satisfies Same<PartitionMode, PartitionSpec['mode']>,
  true satisfies Same<PresetAccessMode, NonNullable<PresetSpec['accessMode']>>,
  true satisfies Same<OsSku, CoreOsSku>,
  true satisfies Same<GpuDriver, CoreGpuDriver>,
  true satisfies Same<GpuInstanceProfile, CoreGpuInstanceProfile>,
  true satisfies Same<OperatorNodeProvisioner, CoreNodeProvisioner>,
];
void SAME_AS_CORE;
