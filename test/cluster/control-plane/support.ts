import { renderWorkspaceCrd } from '../../../src/render';
import { KWOK_NODE_CLASS } from '../../../src/render/node-class';
import type { ReconcilerOptions, RunningReconciler } from '../../../src/reconciler/manager';
import { apiPath, type KubeObject } from '../support';
import { admin, applyCrd, gone, startInProcess, workspacePath } from '../reconciler/support/cluster';

/*
 * The setting of the suites that run on the whole control plane of the test cluster (kube-apiserver,
 * kube-controller-manager, kube-scheduler, KWOK and Karpenter with its kwok provider): nothing here plays a
 * Kubernetes or Karpenter part. The reconciler runs in-process with the kwok node class, the one node class
 * Karpenter's kwok provider launches.
 */

export { admin, gone };

/** Installs the Workspace CRD (Karpenter's own CRDs come with the cluster). */
export function installWorkspaceCrd(): Promise<void> {
  return applyCrd(renderWorkspaceCrd(), 'workspaces.kaito.sh');
}

/** Starts the reconciler for `namespace`: NodeClaims for Karpenter, of the kwok node class. */
export function startReconciler(
  namespace: string,
  options: Partial<ReconcilerOptions> = {},
): Promise<RunningReconciler> {
  return startInProcess(namespace, { provisioner: 'karpenter', nodeClass: KWOK_NODE_CLASS, ...options });
}

export interface NodeClaimView {
  readonly name: string;
  readonly nodeClassRef: Record<string, string>;
  readonly expireAfter?: string;
  readonly nodeName?: string;
  readonly conditions: Record<string, string>;
}

/** The NodeClaims of a workspace, by name. */
export async function nodeClaimsOf(namespace: string, name: string): Promise<NodeClaimView[]> {
  const list = await admin.list<{
    metadata?: { name?: string };
    spec: { nodeClassRef: Record<string, string>; expireAfter?: string };
    status?: { nodeName?: string; conditions?: Array<{ type: string; status: string }> };
  }>(apiPath('karpenter.sh/v1', 'nodeclaims'), {
    labelSelector: `kaito.sh/workspace=${name},kaito.sh/workspacenamespace=${namespace}`,
  });
  return list.body.items
    .map((c) => ({
      name: c.metadata?.name ?? '',
      nodeClassRef: c.spec.nodeClassRef,
      ...(c.spec.expireAfter !== undefined ? { expireAfter: c.spec.expireAfter } : {}),
      ...(c.status?.nodeName !== undefined ? { nodeName: c.status.nodeName } : {}),
      conditions: Object.fromEntries((c.status?.conditions ?? []).map((x) => [x.type, x.status])),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface NodeView {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly capacityGpus?: string;
  readonly ready?: string;
}

/** The Nodes labelled with a workspace (Karpenter copies the NodeClaim's labels onto its Node). */
export async function nodesOf(namespace: string, name: string): Promise<NodeView[]> {
  const list = await admin.list<{
    metadata?: { name?: string; labels?: Record<string, string> };
    status?: { capacity?: Record<string, string>; conditions?: Array<{ type: string; status: string }> };
  }>('/api/v1/nodes', { labelSelector: `kaito.sh/workspace=${name},kaito.sh/workspacenamespace=${namespace}` });
  return list.body.items
    .map((n) => ({
      name: n.metadata?.name ?? '',
      labels: n.metadata?.labels ?? {},
      ...(n.status?.capacity?.['nvidia.com/gpu'] !== undefined
        ? { capacityGpus: n.status.capacity['nvidia.com/gpu'] }
        : {}),
      ...(n.status?.conditions?.find((c) => c.type === 'Ready')
        ? { ready: n.status.conditions.find((c) => c.type === 'Ready')!.status }
        : {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface PodView {
  readonly name: string;
  readonly uid: string;
  readonly nodeName?: string;
  readonly phase?: string;
  /** `nvidia.com/gpu` limits of each container (init containers first), by container name. */
  readonly gpus: Record<string, string>;
}

/** The pods of a workspace (label kaito.sh/workspace). */
export async function podsOf(namespace: string, name: string): Promise<PodView[]> {
  const list = await admin.list<{
    metadata?: { name?: string; uid?: string };
    spec: {
      nodeName?: string;
      containers: Array<{ name: string; resources?: { limits?: Record<string, string> } }>;
      initContainers?: Array<{ name: string; resources?: { limits?: Record<string, string> } }>;
    };
    status?: { phase?: string };
  }>(apiPath('v1', 'pods', { namespace }), { labelSelector: `kaito.sh/workspace=${name}` });
  return list.body.items
    .map((p) => ({
      name: p.metadata?.name ?? '',
      uid: p.metadata?.uid ?? '',
      ...(p.spec.nodeName !== undefined ? { nodeName: p.spec.nodeName } : {}),
      ...(p.status?.phase !== undefined ? { phase: p.status.phase } : {}),
      gpus: Object.fromEntries(
        [...(p.spec.initContainers ?? []), ...p.spec.containers]
          .filter((c) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined)
          .map((c) => [c.name, c.resources!.limits!['nvidia.com/gpu']!]),
      ),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Paths of the children a workspace's workload leaves in its namespace (all owned by the Workspace). */
export async function childrenOf(namespace: string, name: string): Promise<string[]> {
  const kinds: Array<[string, string]> = [
    ['apps/v1', 'statefulsets'],
    ['batch/v1', 'jobs'],
    ['v1', 'services'],
    ['v1', 'configmaps'],
    ['v1', 'pods'],
    ['networking.k8s.io/v1', 'networkpolicies'],
  ];
  const found: string[] = [];
  for (const [version, plural] of kinds) {
    const list = await admin.list<KubeObject>(apiPath(version, plural, { namespace }), {
      labelSelector: `kaito.sh/workspace=${name}`,
    });
    for (const item of list.body.items) found.push(`${plural}/${item.metadata?.name ?? ''}`);
  }
  return found.sort();
}

export { workspacePath };
