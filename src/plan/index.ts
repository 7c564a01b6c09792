export {
  planWorkspace,
  suggestSkus,
  FITS_ONE_NODE,
  type WorkspacePlan,
  type PlanOptions,
  type ObservedGpuNode,
} from './plan';
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
export { checkGpuNodePool, AKS_POOL_NAME, type GpuNodePoolSpec, type GpuNodePoolCheck } from './node-pool';
