export * from './types';
export * from './problems';
export { MSG } from './messages';
export { workspaceSchema } from './schema';
export { checkStructure } from './structural';
export { readDocuments, normalizeWorkspace, workspaceVersionOf, type RawDocument } from './parse';
export {
  checkRules,
  resolvePreset,
  runtimeOf,
  parseStrength,
  closestNames,
  type CatalogOptions,
  type ResolvedPreset,
} from './rules';
export { unsafeUrlReason } from './url-safety';
export { dnsLabelProblem, assertDnsLabel } from './names';
export { podTemplateProblems, volumeSourceProblems, PRIVILEGED_OPT_IN } from './pod-security';
export {
  parseWorkspace,
  parseWorkspaces,
  validateWorkspace,
  validateWorkspaceObject,
  hasErrors,
  type WorkspaceValidation,
} from './validate';
