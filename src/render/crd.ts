import type { CustomResourceColumnDefinition } from 'kubernetes-types/apiextensions/v1';
import { stringify } from 'yaml';
import { workspaceSchema, type JSONSchemaProps } from '../api/schema';
import { KAITO_GROUP, STORAGE_VERSION, WORKSPACE_VERSIONS, type WorkspaceVersion } from '../api/types';
import type { KubeObject } from './options';

/*
 * The Workspace CustomResourceDefinition, rendered from the same schema the TypeScript validator uses,
 * so the API server's CEL rules and `kaito validate` agree. crds/kaito.sh_workspaces.yaml is this
 * object as YAML (see renderCrdYaml); a unit test keeps the file up to date.
 */

/** Name of the Workspace CRD. */
export const WORKSPACE_CRD_NAME = `workspaces.${KAITO_GROUP}`;

/** Short names `kubectl get` accepts for workspaces. */
export const WORKSPACE_SHORT_NAMES: readonly string[] = ['wk', 'wks'];

/** Categories the Workspace belongs to (`kubectl get kaito`). */
export const WORKSPACE_CATEGORIES: readonly string[] = ['kaito'];

/** A printer column of the CRD. */
export type PrinterColumn = CustomResourceColumnDefinition;

function conditionColumn(type: string, priority: number): PrinterColumn {
  return {
    name: type,
    type: 'string',
    jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
    description: `Status of the ${type} condition.`,
    ...(priority > 0 ? { priority } : {}),
  };
}

/**
 * The columns `kubectl get workspace` prints for a version: NAME (implicit), INSTANCE, RESOURCEREADY,
 * INFERENCEREADY, WORKSPACEREADY and AGE; `-o wide` adds JOBSTARTED, WORKSPACESUCCEEDED and, where the
 * version's status has it, STATE.
 */
export function workspacePrinterColumns(version: WorkspaceVersion): PrinterColumn[] {
  const columns: PrinterColumn[] = [
    {
      name: 'Instance',
      type: 'string',
      jsonPath: '.resource.instanceType',
      description: 'GPU instance type of the nodes.',
    },
    conditionColumn('ResourceReady', 0),
    conditionColumn('InferenceReady', 0),
    conditionColumn('WorkspaceReady', 0),
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    conditionColumn('JobStarted', 1),
    conditionColumn('WorkspaceSucceeded', 1),
  ];
  if (version !== 'v1alpha1') {
    columns.push({
      name: 'State',
      type: 'string',
      jsonPath: '.status.state',
      description: 'Pending, Ready or NotReady (inference); Running, Succeeded or Failed (tuning).',
      priority: 1,
    });
  }
  return columns;
}

interface CrdVersion {
  readonly name: WorkspaceVersion;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: { readonly openAPIV3Schema: JSONSchemaProps };
  readonly subresources: { readonly status: Record<string, never> };
  readonly additionalPrinterColumns: PrinterColumn[];
}

function crdVersion(version: WorkspaceVersion): CrdVersion {
  return {
    name: version,
    served: true,
    storage: version === STORAGE_VERSION,
    schema: { openAPIV3Schema: workspaceSchema(version) },
    subresources: { status: {} },
    additionalPrinterColumns: workspacePrinterColumns(version),
  };
}

/**
 * The `apiextensions.k8s.io/v1` CustomResourceDefinition `workspaces.kaito.sh`: namespaced, v1alpha1 and
 * v1beta1 served, v1beta1 stored, a status subresource on both, no conversion webhook.
 */
export function renderWorkspaceCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: WORKSPACE_CRD_NAME,
      labels: { 'app.kubernetes.io/part-of': 'kaito-constructs' },
    },
    spec: {
      group: KAITO_GROUP,
      names: {
        kind: 'Workspace',
        listKind: 'WorkspaceList',
        plural: 'workspaces',
        singular: 'workspace',
        shortNames: [...WORKSPACE_SHORT_NAMES],
        categories: [...WORKSPACE_CATEGORIES],
      },
      scope: 'Namespaced',
      conversion: { strategy: 'None' },
      versions: WORKSPACE_VERSIONS.map(crdVersion),
    },
  };
}

/** The first line of crds/kaito.sh_workspaces.yaml. */
export const CRD_YAML_HEADER =
  '# The kaito.sh Workspace CustomResourceDefinition, generated from the kaito-constructs Workspace schema. Do not edit.\n';

/** The content of crds/kaito.sh_workspaces.yaml: the Workspace CRD as YAML. */
export function renderCrdYaml(): string {
  return CRD_YAML_HEADER + stringify(renderWorkspaceCrd(), { lineWidth: 0 });
}
