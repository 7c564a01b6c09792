export { planWorkspace, suggestSkus, type WorkspacePlan, type PlanOptions, type ObservedGpuNode } from './plan';
export { FitError } from './fit-error';
export { checkWorkspaces, checkWorkspaceObject, type CheckOptions, type WorkspaceCheck } from './check';
export {
  sizeInference,
  maxModelLength,
  tuningMemoryGiB,
  gpuMemoryUtilization,
  DEFAULT_SIZING_CONTEXT,
  PER_GPU_OVERHEAD_GIB,
  WEIGHTS_EXPANSION,
  WEIGHTS_HEADROOM,
  TUNING_UTILIZATION,
} from './estimate';
export {
  checkGpuNodePool,
  parseTaint,
  AKS_POOL_NAME,
  AKS_AGENT_POOL_LABEL,
  KARPENTER_NODE_POOL_LABEL,
  GPU_POOL_TAINT,
  MAX_POOL_NODES,
  OS_SKUS,
  GPU_DRIVERS,
  GPU_INSTANCE_PROFILES,
  type GpuNodePoolSpec,
  type GpuNodePoolCheck,
  type ResolvedGpuNodePool,
  type NodePoolPlacement,
  type NodePoolProvider,
  type ParsedTaint,
  type OsSku,
  type GpuDriver,
  type GpuInstanceProfile,
} from './node-pool';
export {
  checkIntent,
  intentPathRules,
  WORKLOAD_MODES,
  type WorkloadMode,
  type Intent,
  type InferenceIntent,
  type TuningIntent,
  type WorkloadIntent,
  type IntentMetadata,
  type WorkloadMetadata,
  type IntentCheck,
} from './intent';
