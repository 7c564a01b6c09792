import { createHash } from 'node:crypto';
import {
  ANNOTATION_NODE_IMAGE_FAMILY,
  LABEL_NODEPOOL_MANAGED_BY,
  LABEL_NODEPOOL_WORKSPACE,
  LABEL_NODEPOOL_WORKSPACE_NAMESPACE,
  LABEL_WORKSPACE,
  LABEL_WORKSPACE_NAMESPACE,
  type Workspace,
} from '../api/types';
import type { WorkspacePlan } from '../plan';
import { GPU_TAINT, renderContext, sanitizedMatchLabels, type RenderContext } from './labels';
import { AKS_NODE_CLASS, KAITO_NODE_CLASS } from './node-class';
import type { KubeObject, RenderOptions } from './options';

/*
 * GPU nodes for a workspace: one Karpenter NodeClaim (karpenter.sh/v1) per planned node, as Kaito creates
 * them for Azure gpu-provisioner, the legacy Machine (karpenter.sh/v1alpha5) of Kaito v0.1-v0.2, or one
 * Karpenter NodePool of static capacity from which Karpenter makes the claims (Kaito's Karpenter mode).
 * All are cluster-scoped and carry no owner reference (the reconciler's finalizer deletes them).
 */

/** The fake node pool Kaito names so that Karpenter itself never scales for these claims. */
export const KAITO_NODEPOOL = 'kaito';
/** Node image family when the workspace asks for none. */
export const DEFAULT_NODE_IMAGE_FAMILY = 'ubuntu';
const NODE_IMAGE_FAMILIES = ['ubuntu', 'azurelinux'];
const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
const OS_LABEL = 'kubernetes.io/os';
const NODEPOOL_LABEL = 'karpenter.sh/nodepool';
const AZURE_SKU_LABEL = 'karpenter.azure.com/sku-name';
const PROVISIONER_LABEL = 'karpenter.sh/provisioner-name';

/**
 * Name of the node claim (or machine) for node `index` of a workspace: `ws` followed by 9 hex digits of
 * sha256 over namespace, name and index. Stable for a given workspace and index, so rendering twice names
 * the same node; gpu-provisioner needs `^[a-z][a-z0-9]{0,11}$` because the AKS agent pool takes the name.
 */
export function nodeClaimName(
  ws: Workspace,
  index: number,
  options: Pick<RenderOptions, 'defaultNamespace'> = {},
): string {
  const namespace = ws.metadata.namespace ?? options.defaultNamespace ?? 'default';
  const digest = createHash('sha256').update(`${namespace}/${ws.metadata.name}/${index}`).digest('hex');
  return `ws${digest.slice(0, 9)}`;
}

/** Labels of a provisioned node: the workspace, its namespace, and the user's non-reserved matchLabels. */
function nodeLabels(ctx: RenderContext, first: Record<string, string>): Record<string, string> {
  return {
    ...first,
    [LABEL_WORKSPACE]: ctx.name,
    [LABEL_WORKSPACE_NAMESPACE]: ctx.namespace,
    ...sanitizedMatchLabels(ctx.ws.resource.labelSelector),
  };
}

function nodeImageFamily(ws: Workspace): string {
  const asked = ws.metadata.annotations?.[ANNOTATION_NODE_IMAGE_FAMILY]?.toLowerCase();
  return asked !== undefined && NODE_IMAGE_FAMILIES.includes(asked) ? asked : DEFAULT_NODE_IMAGE_FAMILY;
}

const taint = (): Record<string, string> => ({ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: GPU_TAINT.effect });
const inList = (key: string, value: string): Record<string, unknown> => ({ key, operator: 'In', values: [value] });

function provisioned(
  ws: Workspace,
  plan: WorkspacePlan,
  options: RenderOptions,
  kind: 'karpenter' | 'machine' | 'karpenter-nodepool',
) {
  const ctx = renderContext(ws, plan, options);
  const instanceType = ws.resource.instanceType;
  if (ctx.provisioner !== kind || !instanceType) return undefined;
  const names = Array.from({ length: plan.nodeCount }, (_, i) => nodeClaimName(ws, i, options));
  return { ctx, instanceType, names };
}

/**
 * One NodeClaim per planned node (none for bring-your-own nodes, or without an instance type): the
 * instance type on Linux in the fake `kaito` node pool, tainted `sku=gpu:NoSchedule`, with the preset's
 * disk as the OS disk size, never disrupted or expired by Karpenter (without `expireAfter: Never` the CRD's
 * default of 720h would replace a serving GPU node after 30 days).
 */
export function renderNodeClaims(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  const p = provisioned(ws, plan, options, 'karpenter');
  if (p === undefined) return [];
  const { ctx, instanceType } = p;
  return p.names.map((name) => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodeClaim',
    metadata: {
      name,
      labels: nodeLabels(ctx, { [NODEPOOL_LABEL]: KAITO_NODEPOOL }),
      annotations: {
        'karpenter.sh/do-not-disrupt': 'true',
        [ANNOTATION_NODE_IMAGE_FAMILY]: nodeImageFamily(ws),
      },
    },
    spec: {
      nodeClassRef: { ...(options.nodeClass ?? KAITO_NODE_CLASS) },
      expireAfter: 'Never',
      taints: [taint()],
      requirements: [
        inList(NODEPOOL_LABEL, KAITO_NODEPOOL),
        inList(INSTANCE_TYPE_LABEL, instanceType),
        inList(OS_LABEL, 'linux'),
        inList(AZURE_SKU_LABEL, instanceType),
      ],
      resources: { requests: { storage: `${plan.diskGiB}Gi` } },
    },
  }));
}

/**
 * The legacy equivalent of {@link renderNodeClaims}: one karpenter-core `Machine` per planned node, as Kaito
 * v0.2 created them (provisioner `default`, GPU machine type, amd64 Linux).
 */
export function renderMachines(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  const p = provisioned(ws, plan, options, 'machine');
  if (p === undefined) return [];
  const { ctx, instanceType } = p;
  return p.names.map((name) => ({
    apiVersion: 'karpenter.sh/v1alpha5',
    kind: 'Machine',
    metadata: { name, labels: nodeLabels(ctx, { [PROVISIONER_LABEL]: 'default' }) },
    spec: {
      machineTemplateRef: { name },
      requirements: [
        inList(INSTANCE_TYPE_LABEL, instanceType),
        inList(PROVISIONER_LABEL, 'default'),
        inList('kaito.sh/machine-type', 'gpu'),
        inList('kubernetes.io/arch', 'amd64'),
        inList(OS_LABEL, 'linux'),
      ],
      taints: [taint()],
      resources: { requests: { storage: `${plan.diskGiB}Gi` } },
    },
  }));
}

/** Karpenter on Azure places a node in a zone unless told the node is regional; Kaito asks for regional. */
const AZURE_PLACEMENT_SCOPE_LABEL = 'karpenter.azure.com/placement-scope';
/** NodePool names go into the `karpenter.sh/nodepool` label of claims and nodes: a label value's 63 characters. */
const MAX_NODEPOOL_NAME = 63;
const NODEPOOL_HASH_LENGTH = 9;

/**
 * Name of the workspace's NodePool: `<namespace>-<name>`, as Kaito names it. Longer than 63 characters, it
 * is cut to 53 and gets `-` and 9 hex digits of sha256 over the full name, so it stays unique and stable
 * (a cut that ends in `.` or `-` loses those, so the name stays a DNS subdomain).
 */
export function nodePoolName(namespace: string, name: string): string {
  const full = `${namespace}-${name}`;
  if (full.length <= MAX_NODEPOOL_NAME) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, NODEPOOL_HASH_LENGTH);
  let head = full.slice(0, MAX_NODEPOOL_NAME - 1 - NODEPOOL_HASH_LENGTH);
  if (/\.[-.]*$/.test(head)) head = head.replace(/[.-]+$/, '');
  return `${head}-${digest}`;
}

/**
 * The workspace's Karpenter NodePool (none for bring-your-own nodes, or without an instance type), as Kaito's
 * Karpenter provisioner makes it: `spec.replicas` is the planned node count (static capacity: Karpenter keeps
 * that many NodeClaims whatever the pods ask), of the instance type, tainted `sku=gpu:NoSchedule`, its nodes
 * labelled with the workspace and the user's matchLabels; drifted nodes are replaced one at a time. Unlike
 * Kaito's, the template sets `expireAfter: Never`: Karpenter's default of 720h would replace a serving GPU
 * node after 30 days, as for NodeClaims.
 */
export function renderNodePool(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  const p = provisioned(ws, plan, options, 'karpenter-nodepool');
  if (p === undefined) return [];
  const { ctx, instanceType } = p;
  const nodeClass = options.nodeClass ?? AKS_NODE_CLASS;
  const owner = { [LABEL_NODEPOOL_WORKSPACE]: ctx.name, [LABEL_NODEPOOL_WORKSPACE_NAMESPACE]: ctx.namespace };
  return [
    {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: {
        name: nodePoolName(ctx.namespace, ctx.name),
        labels: { [LABEL_NODEPOOL_MANAGED_BY]: 'kaito', ...owner },
      },
      spec: {
        replicas: plan.nodeCount,
        template: {
          metadata: { labels: { ...owner, ...sanitizedMatchLabels(ctx.ws.resource.labelSelector) } },
          spec: {
            nodeClassRef: { ...nodeClass },
            expireAfter: 'Never',
            requirements: [
              inList(INSTANCE_TYPE_LABEL, instanceType),
              ...(nodeClass.group === AKS_NODE_CLASS.group ? [inList(AZURE_PLACEMENT_SCOPE_LABEL, 'regional')] : []),
            ],
            taints: [taint()],
          },
        },
        // With replicas set Karpenter ignores consolidation; the budget lets drift replace one node at a time.
        disruption: { consolidateAfter: '0s', budgets: [{ nodes: '1', reasons: ['Drifted'] }] },
      },
    },
  ];
}
