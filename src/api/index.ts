export * from './types';
export * from './problems';
export { MSG } from './messages';
export { workspaceSchema, validationSchema } from './schema';
export { INPUT_LIMITS, MAX_NODE_COUNT, checkTextSize, checkValue, type InputLimits } from './limits';
export { readYamlText, type YamlDocument } from './parse-yaml';
export { checkStructure, type StructureOptions } from './structural';
export { readDocuments, normalizeWorkspace, workspaceVersionOf, type RawDocument } from './parse';
export { checkRules, resolvePreset, runtimeOf, parseStrength, type CatalogOptions, type ResolvedPreset } from './rules';
export { unsafeUrlReason } from './url-safety';
export { closestNames } from './suggest';
export { dnsLabelProblem, assertDnsLabel, isDnsLabel, nodeLabelKeyProblem, labelValueProblem } from './names';
export { remapPath, remapPaths, type PathRules } from './paths';
export {
  adoptManifest,
  withoutServerFields,
  SERVER_METADATA,
  LAST_APPLIED_ANNOTATION,
  type AdoptedManifest,
} from './adopt';
export { podTemplateProblems, volumeSourceProblems, PRIVILEGED_OPT_IN } from './pod-security';
export {
  parseWorkspace,
  parseWorkspaces,
  validateWorkspace,
  validateWorkspaceObject,
  hasErrors,
  type ValidateOptions,
  type WorkspaceValidation,
} from './validate';
