/*
 * kaito-constructs/pulumi: Pulumi components for Kaito workspaces. Needs the optional peer dependencies
 * @pulumi/pulumi, @pulumi/kubernetes and @pulumi/azure-native.
 */
export {
  KaitoWorkspace,
  DEFAULT_NAMESPACE,
  INFERENCE_TIMEOUT_MINUTES,
  TUNING_TIMEOUT_MINUTES,
  type KaitoWorkspaceArgs,
  type KaitoWorkspaceMetadataArgs,
  type KaitoWorkspaceYamlArgs,
  type WaitArgs,
} from './kaito-workspace';
export { InferenceService, type InferenceServiceArgs } from './inference-service';
export { TuningJob, type TuningJobArgs } from './tuning-job';
export {
  GpuNodePool,
  AKS_AGENT_POOL_LABEL,
  POOL_TAINT,
  type GpuNodePoolArgs,
  type GpuNodePoolOptions,
  type PoolLabelSelector,
} from './gpu-node-pool';
export { KaitoOperator, type KaitoOperatorArgs } from './kaito-operator';
export { type WorkloadMetadata, type PlacementArgs, type WorkloadOptions } from './workload';
export {
  GpuDriver,
  GpuInstanceProfile,
  OperatorNodeProvisioner,
  OsSku,
  PartitionMode,
  PresetAccessMode,
  RuntimeName,
  TuningMethod,
  WorkloadMode,
  WorkspaceApiVersion,
} from './enums';
export type {
  AdapterSpec,
  DataDestination,
  DataSource,
  InferenceSpec,
  PartitionSpec,
  PodTemplateSpec,
  PresetOptions,
  PresetSpec,
  ResourceSpec,
  TuningSpec,
  VolumeSource,
} from './spec';
export { TYPE_PREFIX } from './errors';
