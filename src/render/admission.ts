import { KAITO_GROUP, WORKSPACE_VERSIONS } from '../api/types';
import { catalogValidations, policyVariables, type PolicyValidation } from './admission-rules';
import { KAITO_CATALOG_API_VERSION, KAITO_CATALOG_KIND, KAITO_CATALOG_NAME, partOf } from './kaito-catalog-crd';
import type { KubeObject } from './options';

/*
 * The Workspace admission policy: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes
 * >= 1.30) and its binding. The API server runs it on every write of a Workspace, with the KaitoCatalog as its
 * parameters, so the rules the CRD cannot say (they need the catalog or annotations) refuse a bad workspace at
 * apply time, with no webhook. Without the KaitoCatalog the binding refuses every Workspace write (fail closed).
 */

/** Name of the ValidatingAdmissionPolicy and of its binding. */
export const ADMISSION_POLICY_NAME = 'kaito-workspace-rules';

/**
 * Who may put a pod template or a volume in a workspace: only someone who could create those pods in the
 * namespace themselves, so that the reconciler (which creates them) is never a way around RBAC.
 */
export function authorizationValidation(): PolicyValidation {
  const where =
    "has(object.inference) && has(object.inference.template) ? 'inference.template' : " +
    "(has(object.tuning) && has(object.tuning.input) && has(object.tuning.input.volumeSource) ? 'tuning.input.volumeSource' : " +
    "(has(object.tuning) && has(object.tuning.output) && has(object.tuning.output.volumeSource) ? 'tuning.output.volumeSource' : " +
    "(has(object.inference) && has(object.inference.adapters) ? 'inference.adapters[' + " +
    'string(object.inference.adapters.map(a, has(a.source) && has(a.source.volumeSource)).indexOf(true)) + ' +
    "'].source.volumeSource' : '')))";
  const needsPods =
    '(has(object.inference) && (has(object.inference.template) || (has(object.inference.adapters) && ' +
    'object.inference.adapters.exists(a, has(a.source) && has(a.source.volumeSource))))) || ' +
    '(has(object.tuning) && ((has(object.tuning.input) && has(object.tuning.input.volumeSource)) || ' +
    '(has(object.tuning.output) && has(object.tuning.output.volumeSource))))';
  return {
    expression: `!(${needsPods}) || authorizer.group('').resource('pods').namespace(request.namespace).check('create').allowed()`,
    message:
      'a pod template or a volumeSource needs the right to create pods in the namespace yourself: the reconciler runs them for you',
    messageExpression:
      `(${where}) + ': needs the right to create pods in namespace ' + request.namespace + ' yourself ' + ` +
      "'(a pod template or a volumeSource runs pods that the reconciler creates for you); ask for create on pods there, ' + " +
      "'or use a preset with an image or URL data'",
  };
}

/**
 * Updates that change nothing the rules read (a finalizer, labels, status) are not checked: a workspace stored
 * before the policy or the catalog changed must still be deletable and reconcilable.
 */
const MATCH_CONDITIONS = [
  {
    name: 'changes-what-the-rules-read',
    expression:
      "request.operation == 'CREATE' || (!has(object.metadata.deletionTimestamp) && (" +
      'object.resource != oldObject.resource || ' +
      ['inference', 'tuning']
        .map((f) => `(has(object.${f}) ? object.${f} : {}) != (has(oldObject.${f}) ? oldObject.${f} : {})`)
        .join(' || ') +
      ' || (has(object.metadata.annotations) ? object.metadata.annotations : {}) != ' +
      '(has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {})))',
  },
];

/** The ValidatingAdmissionPolicy: the catalog and annotation rules and the per-user check, failing closed. */
export function renderAdmissionPolicy(): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: ADMISSION_POLICY_NAME, labels: partOf() },
    spec: {
      failurePolicy: 'Fail',
      paramKind: { apiVersion: KAITO_CATALOG_API_VERSION, kind: KAITO_CATALOG_KIND },
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [KAITO_GROUP],
            apiVersions: [...WORKSPACE_VERSIONS],
            operations: ['CREATE', 'UPDATE'],
            resources: ['workspaces'],
          },
        ],
      },
      matchConditions: MATCH_CONDITIONS.map((c) => ({ ...c })),
      variables: policyVariables(),
      validations: [...catalogValidations(), authorizationValidation()],
    },
  };
}

/**
 * The binding: every namespace, the KaitoCatalog `default` as parameters; a missing KaitoCatalog refuses the
 * write ("no params found for policy binding with `Deny` parameterNotFoundAction").
 */
export function renderAdmissionPolicyBinding(): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: ADMISSION_POLICY_NAME, labels: partOf() },
    spec: {
      policyName: ADMISSION_POLICY_NAME,
      paramRef: { name: KAITO_CATALOG_NAME, parameterNotFoundAction: 'Deny' },
      validationActions: ['Deny'],
    },
  };
}
