import type { GpuSku } from '../catalog';
import { parseTaint, type ResolvedGpuNodePool } from '../plan/node-pool';
import {
  ASO_AGENT_POOL_API_VERSION,
  type AsoManagedClustersAgentPool,
  type KarpenterNodePool,
  type NodeClassReference,
} from './node-pool-types';

/*
 * The Kubernetes objects of a checked GPU node pool: an Azure Service Operator ManagedClustersAgentPool (an
 * AKS agent pool) or a Karpenter NodePool. The cdk8s GpuNodePool and `kaito render` emit them.
 */

export * from './node-pool-types';

/** The node class of Karpenter on AKS (Node Auto Provisioning). */
export const DEFAULT_KARPENTER_NODE_CLASS: NodeClassReference = {
  group: 'karpenter.azure.com',
  kind: 'AKSNodeClass',
  name: 'default',
};

/** The extended resource the device plugin of a vendor's accelerators advertises. */
function gpuResource(sku: GpuSku): string {
  if (sku.gpuVendor === 'amd') return 'amd.com/gpu';
  if (sku.gpuVendor === 'aws') return 'aws.amazon.com/neuron';
  return 'nvidia.com/gpu';
}

/** The ASO agent pool of a checked `aks` pool, owned by the ManagedCluster `clusterName` in `namespace`. */
export function renderAgentPool(
  pool: ResolvedGpuNodePool,
  clusterName: string,
  namespace: string,
): AsoManagedClustersAgentPool {
  return {
    apiVersion: ASO_AGENT_POOL_API_VERSION,
    kind: 'ManagedClustersAgentPool',
    metadata: { name: pool.name, namespace },
    spec: {
      owner: { name: clusterName },
      vmSize: pool.sku.name,
      ...(pool.autoscale
        ? { count: pool.count, enableAutoScaling: true, minCount: pool.minCount, maxCount: pool.maxNodes }
        : { count: pool.count }),
      mode: 'User',
      osType: 'Linux',
      ...(pool.osSKU === undefined ? {} : { osSKU: pool.osSKU }),
      ...(Object.keys(pool.nodeLabels).length === 0 ? {} : { nodeLabels: { ...pool.nodeLabels } }),
      nodeTaints: [...pool.nodeTaints],
      ...(pool.gpuDriver === undefined ? {} : { gpuProfile: { driver: pool.gpuDriver } }),
      ...(pool.gpuInstanceProfile === undefined ? {} : { gpuInstanceProfile: pool.gpuInstanceProfile }),
    },
  };
}

/** The Karpenter NodePool of a checked `karpenter` pool. */
export function renderKarpenterNodePool(pool: ResolvedGpuNodePool, nodeClass: NodeClassReference): KarpenterNodePool {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: pool.name },
    spec: {
      template: {
        ...(Object.keys(pool.nodeLabels).length === 0 ? {} : { metadata: { labels: { ...pool.nodeLabels } } }),
        spec: {
          nodeClassRef: { ...nodeClass },
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [pool.sku.name] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
          ],
          // Checked by the core: every taint parses.
          taints: pool.nodeTaints.map((t) => parseTaint(t)!),
        },
      },
      // GPU nodes take minutes to start and load weights: remove them when empty, never to repack pods.
      disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' },
      limits: { [gpuResource(pool.sku)]: pool.maxNodes * pool.sku.gpuCount },
    },
  };
}
