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

/**
 * Deletes `namespace` and waits until it is gone. Its workspaces release their nodes through a reconciler:
 * `running` when the suite still has one, else one started for the purpose. A node whose claim was deleted
 * before it registered stays behind in Karpenter's kwok provider (it has no instance garbage collection);
 * such nodes of the namespace are removed as a cloud's instance GC would, and only when no claim names them.
 */
export async function deleteNamespaceAndWait(namespace: string, running?: RunningReconciler): Promise<void> {
  const cleaner = running ?? (await startReconciler(namespace));
  try {
    await admin.delete(`/api/v1/namespaces/${namespace}`);
    await admin.waitFor(() => gone(`/api/v1/namespaces/${namespace}`), 120_000);
  } finally {
    if (running === undefined) await cleaner.stop();
  }
  const claims = await admin.list<{ status?: { nodeName?: string } }>(apiPath('karpenter.sh/v1', 'nodeclaims'), {
    labelSelector: `kaito.sh/workspacenamespace=${namespace}`,
  });
  if (claims.body.items.length > 0) throw new Error(`${claims.body.items.length} NodeClaim(s) of ${namespace} left`);
  const nodes = await admin.list('/api/v1/nodes', { labelSelector: `kaito.sh/workspacenamespace=${namespace}` });
  for (const node of nodes.body.items) await admin.delete(`/api/v1/nodes/${node.metadata?.name ?? ''}`);
}

/**
 * A node a cluster admin brings (no provisioner): created with its labels and allocatable resources, as a
 * kubelet registers it, and managed by KWOK, which makes it Ready and keeps its heartbeat. Resolves once it
 * is Ready.
 */
export async function bringNode(name: string, labels: Record<string, string>, gpus = 1): Promise<void> {
  const allocatable = { cpu: '6', memory: '112Gi', pods: '110', 'nvidia.com/gpu': String(gpus) };
  await admin.create('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name, ...labels },
    },
    status: { allocatable, capacity: allocatable },
  });
  await admin.waitFor(async () => {
    const node = await admin.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      `/api/v1/nodes/${name}`,
    );
    return node.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, 60_000);
}

/**
 * Makes the readiness probe of a pod fail (`fail`) or pass again: KWOK, as the pod's kubelet, reports it not
 * Ready while it is annotated `test.kaito.sh/readiness=fail` (test/cluster/kwok/stages.yaml).
 */
export async function setReadinessFailing(namespace: string, pod: string, fail: boolean): Promise<void> {
  await admin.mergePatch(apiPath('v1', 'pods', { namespace, name: pod }), {
    metadata: { annotations: { 'test.kaito.sh/readiness': fail ? 'fail' : null } },
  });
}

/** Lets the Job pods of a workspace named `hold-…` complete (KWOK keeps them running until then). */
export async function releaseHeldPods(namespace: string, workspace: string): Promise<void> {
  for (const pod of await podsOf(namespace, workspace)) {
    await admin.mergePatch(apiPath('v1', 'pods', { namespace, name: pod.name }), {
      metadata: { annotations: { 'test.kaito.sh/release': 'true' } },
    });
  }
}
