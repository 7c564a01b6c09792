/*
 * kaito-constructs/cdk8s: Kaito workspaces, GPU node pools and the operator as cdk8s constructs.
 * Needs the optional peer dependencies cdk8s, cdk8s-plus-28 and constructs. The API compiles with jsii:
 * members marked "TypeScript only" hold the core's own types and are left out of other languages.
 */
export { KaitoWorkspace, type KaitoWorkspaceProps, type KaitoWorkspaceOptions } from './kaito-workspace';
export { InferenceService, type InferenceServiceProps } from './inference-service';
export { TuningJob, type TuningJobProps } from './tuning-job';
export {
  GpuNodePool,
  DEFAULT_KARPENTER_NODE_CLASS,
  AKS_AGENT_POOL_LABEL,
  KARPENTER_NODE_POOL_LABEL,
  type GpuNodePoolProps,
} from './gpu-node-pool';
export { KaitoOperator, type KaitoOperatorProps } from './kaito-operator';
export { WorkspaceObjects, type WorkspaceObjectsProps } from './workspace-objects';
export type { WorkloadMode, WorkloadMetadata, WorkloadProps } from './intent';
export type {
  ValidationProblem,
  WorkspaceAdapter,
  WorkspaceDataDestination,
  WorkspaceDataSource,
  WorkspaceInference,
  WorkspacePartition,
  WorkspacePreset,
  WorkspacePresetOptions,
  WorkspaceResource,
  WorkspaceTuning,
  WorkspaceVolumeSource,
} from './workspace-spec';
export type { NodeClassRef } from '../render/node-class';
export { ASO_AGENT_POOL_API_VERSION, type NodeClassReference } from '../render/node-pool-types';
