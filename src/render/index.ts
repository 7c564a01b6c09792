export * from './options';
export { renderWorkspaceCrd, renderCrdYaml, workspacePrinterColumns, WORKSPACE_CRD_NAME } from './crd';
export {
  renderOperator,
  reconcilerClusterRules,
  DEFAULT_RECONCILER_IMAGE,
  NVIDIA_DEVICE_PLUGIN_IMAGE,
  type OperatorOptions,
  type OperatorNodeProvisioner,
} from './operator';
