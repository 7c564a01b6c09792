import type { NodeStatus } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { LabelSelector } from '../api/types';
import {
  LABEL_NODEPOOL_WORKSPACE,
  LABEL_NODEPOOL_WORKSPACE_NAMESPACE,
  LABEL_WORKSPACE,
  LABEL_WORKSPACE_NAMESPACE,
} from '../api/types';
import { sanitizedMatchLabels } from '../render/labels';
import type { ProvisionerName } from './decide';
import { conditionOf, type RawObject } from './observe';

/*
 * Which objects belong to which workspace: the keys the shell files changes under, and the nodes a
 * workspace's decision looks at. Pure functions of the objects, so the shell only looks things up.
 */

/** The work-queue key of a workspace: `namespace/name`. */
export function workspaceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The workspace a namespaced object (workload, Service, ConfigMap, Pod) belongs to: its Workspace owner
 * reference, else its `kaito.sh/workspace` label, in its own namespace.
 */
export function ownerWorkspaceKey(object: RawObject): string | undefined {
  const ns = object.metadata?.namespace;
  const owners = (object.metadata?.ownerReferences ?? []) as readonly OwnerReference[];
  const owner = owners.find((r) => r.kind === 'Workspace' && r.apiVersion?.startsWith('kaito.sh/'));
  const name = owner?.name ?? object.metadata?.labels?.[LABEL_WORKSPACE];
  return ns && name ? workspaceKey(ns, name) : undefined;
}

/**
 * The workspace a NodeClaim, Machine or provisioned Node is labelled with; for a NodePool, and the claims and
 * nodes Karpenter makes from it, the `karpenter.kaito.sh/workspace-*` labels.
 */
export function labelledWorkspaceKey(object: RawObject): string | undefined {
  const labels = object.metadata?.labels ?? {};
  const name = labels[LABEL_WORKSPACE] ?? labels[LABEL_NODEPOOL_WORKSPACE];
  const ns =
    labels[LABEL_WORKSPACE] !== undefined
      ? labels[LABEL_WORKSPACE_NAMESPACE]
      : labels[LABEL_NODEPOOL_WORKSPACE_NAMESPACE];
  return name && ns ? workspaceKey(ns, name) : undefined;
}

/** The nodes a workspace's decision looks at. */
export type NodeScope =
  /** Bring-your-own nodes: those whose labels include these (the selector's non-reserved matchLabels). */
  | { readonly kind: 'selector'; readonly matchLabels: Readonly<Record<string, string>> }
  /** Provisioned nodes: those its NodeClaims became, and those labelled with the workspace. */
  | { readonly kind: 'provisioned' };

/**
 * How a workspace finds its nodes: by its label selector when nothing is provisioned for it (the BYO
 * provisioner, or no instance type), else through its NodeClaims. Mirrors `decide`'s own choice.
 */
export function nodeScope(workspace: RawObject, provisioner: ProvisionerName): NodeScope {
  const resource = (workspace.resource ?? {}) as { instanceType?: string; labelSelector?: LabelSelector };
  if (provisioner !== 'byo' && resource.instanceType) return { kind: 'provisioned' };
  return { kind: 'selector', matchLabels: sanitizedMatchLabels(resource.labelSelector) };
}

/** True when `node`'s labels include all of `matchLabels`. */
export function matchesLabels(node: RawObject, matchLabels: Readonly<Record<string, string>>): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

/** What of a node a decision reads: whether it changed decides whether workspaces are woken. */
export function nodeFingerprint(node: RawObject | undefined): string {
  if (node === undefined) return '';
  const status = (node.status ?? {}) as NodeStatus;
  const ready = (status.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? '';
  return JSON.stringify([node.metadata?.labels ?? {}, status.capacity?.['nvidia.com/gpu'] ?? '', ready]);
}

/** Whether `object`'s Ready condition is True and was not in `old` (or there was no `old`). */
export function turnedReady(object: RawObject, old: RawObject | undefined): boolean {
  const ready = (o: RawObject | undefined) => o !== undefined && conditionOf(o, 'Ready')?.status === 'True';
  return ready(object) && !ready(old);
}

/** Whose an existing object is, as far as a workspace is concerned. */
export type Ownership =
  | { readonly kind: 'absent' }
  | { readonly kind: 'owned' }
  /** `owner` names the workspace it belongs to, when it names one. */
  | { readonly kind: 'foreign'; readonly owner?: string };

/**
 * Whether `live`, an object of one of the workspace's names in its namespace, is the workspace's: it has an
 * owner reference to the workspace (its uid), or the `kaito.sh/workspace` label naming it. Anything else was
 * made by someone else and is never taken over.
 */
export function ownershipOf(live: RawObject | undefined, workspace: RawObject): Ownership {
  if (live === undefined) return { kind: 'absent' };
  const name = workspace.metadata?.name;
  const uid = workspace.metadata?.uid;
  const owners = (live.metadata?.ownerReferences ?? []) as readonly OwnerReference[];
  const workspaceOwners = owners.filter((r) => r.kind === 'Workspace' && r.apiVersion?.startsWith('kaito.sh/'));
  if (uid !== undefined && workspaceOwners.some((r) => r.uid === uid)) return { kind: 'owned' };
  if (live.metadata?.labels?.[LABEL_NODEPOOL_WORKSPACE] !== undefined) {
    // A NodePool is cluster-scoped: its labels name the workspace and its namespace.
    const key = labelledWorkspaceKey(live);
    const own = workspaceKey(workspace.metadata?.namespace ?? '', name ?? '');
    return key === own ? { kind: 'owned' } : { kind: 'foreign', ...(key ? { owner: `workspace ${key}` } : {}) };
  }
  const label = live.metadata?.labels?.[LABEL_WORKSPACE];
  if (label !== undefined && label === name) return { kind: 'owned' };
  const other = workspaceOwners[0]?.name ?? label;
  return { kind: 'foreign', ...(other ? { owner: `workspace ${other}` } : {}) };
}
