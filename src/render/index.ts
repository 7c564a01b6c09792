export * from './options';
export {
  BASE_IMAGE_TAG,
  MODEL_WEIGHTS_IMAGE_TAG,
  ORAS_IMAGE,
  ORAS_PUSHER_IMAGE,
  SKOPEO_IMAGE,
  CURL_IMAGE,
  INFERENCE_PORT,
  SERVICE_PORT,
  KV_EVENTS_PORT,
  RAY_PORT,
  GPU_RESOURCE,
  GPU_TAINT,
  SPOT_TAINT,
  SHM_SIZE_LIMIT,
  provisionerOf,
  sanitizedMatchLabels,
  gpuTolerations,
} from './labels';
export {
  renderConfigMaps,
  inferenceConfigYaml,
  trainingConfigYaml,
  inferenceConfigName,
  trainingConfigName,
  INFERENCE_CONFIG_KEY,
  TRAINING_CONFIG_KEY,
} from './configmaps';
export {
  renderInference,
  startupWindowSeconds,
  leaderAddress,
  servedModelName,
  WEIGHTS_PATH,
  KV_EVENTS_CONFIG,
} from './inference';
export { renderServices, loadBalancerEnabled } from './services';
export { ADAPTERS_PATH, DEFAULT_ADAPTER_STRENGTH } from './adapters';
export { renderTuningJob, PUSHER_CONTAINER, DATA_PATH, TUNING_WEIGHTS_PATH } from './tuning';
export {
  renderNodeClaims,
  renderMachines,
  renderNodePool,
  nodeClaimName,
  nodePoolName,
  KAITO_NODEPOOL,
  DEFAULT_NODE_IMAGE_FAMILY,
} from './nodes';
export { renderWorkspace } from './workspace';
export {
  type NodeClassRef,
  KAITO_NODE_CLASS,
  AKS_NODE_CLASS,
  EC2_NODE_CLASS,
  KWOK_NODE_CLASS,
  defaultNodeClass,
  formatNodeClass,
  nodeClassProblem,
  parseNodeClass,
} from './node-class';
export { renderEgressPolicies, egressPolicyName, DENIED_EGRESS_V4, DENIED_EGRESS_V6 } from './network';
export { renderWorkspaceCrd, renderCrdYaml, workspacePrinterColumns, WORKSPACE_CRD_NAME } from './crd';
export {
  renderKaitoCatalog,
  kaitoCatalogSpec,
  type KaitoCatalogSpec,
  type KaitoCatalogPreset,
  type KaitoCatalogSku,
  type InstanceTypesThatFit,
} from './kaito-catalog';
export {
  renderKaitoCatalogCrd,
  renderKaitoCatalogCrdYaml,
  kaitoCatalogSchema,
  KAITO_CATALOG_API_VERSION,
  KAITO_CATALOG_CRD_NAME,
  KAITO_CATALOG_KIND,
  KAITO_CATALOG_NAME,
} from './kaito-catalog-crd';
export {
  renderAdmissionPolicy,
  renderAdmissionPolicyBinding,
  authorizationValidation,
  ADMISSION_POLICY_NAME,
} from './admission';
export { catalogValidations, policyVariables, type PolicyValidation, type PolicyVariable } from './admission-rules';
export {
  renderOperator,
  leaderElectionRules,
  reconcilerClusterRules,
  reconcilerNamespacedRules,
  checkOperatorOptions,
  MAX_REPLICAS,
  DEFAULT_RECONCILER_IMAGE,
  NVIDIA_DEVICE_PLUGIN_IMAGE,
  DEFAULT_OPERATOR_NAMESPACE,
  RECONCILER_NAME,
  LEADER_ELECTION_ROLE_NAME,
  METRICS_SERVICE_NAME,
  DEFAULT_RECONCILER_RESOURCES,
  type OperatorOptions,
  type OperatorNodeProvisioner,
  type OperatorResources,
  type OperatorResourceQuantities,
} from './operator';
export { inClusterUrl, workspaceObject, renderForMode } from './intent';
export {
  renderAgentPool,
  renderKarpenterNodePool,
  DEFAULT_KARPENTER_NODE_CLASS,
  ASO_AGENT_POOL_API_VERSION,
  type AsoManagedClustersAgentPool,
  type KarpenterNodePool,
  type NodeClassReference,
  type NodePoolRequirement,
  type NodeTaint,
} from './node-pool';
