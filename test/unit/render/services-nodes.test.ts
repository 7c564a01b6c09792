import type { Service } from 'kubernetes-types/core/v1';
import {
  AKS_NODE_CLASS,
  EC2_NODE_CLASS,
  KAITO_NODE_CLASS,
  KWOK_NODE_CLASS,
  nodeClaimName,
  nodePoolName,
  renderMachines,
  renderNodeClaims,
  renderNodePool,
  renderServices,
  renderWorkspace,
} from '../../../src/render';
import { seed, workspace } from './helpers';

describe('renderServices', () => {
  const { ws, plan } = seed('phi-3-mini-inference.yaml');
  const [main, headless] = renderServices(ws, plan) as unknown as Service[];

  test('main Service: ClusterIP, 80 -> 5000 (http) and 5557 (kv-events), leader pod only, not-ready addresses published', () => {
    expect(main).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'workspace-phi-3-mini',
        namespace: 'default',
        labels: { 'kaito.sh/workspace': 'workspace-phi-3-mini' },
      },
      spec: {
        type: 'ClusterIP',
        selector: {
          'kaito.sh/workspace': 'workspace-phi-3-mini',
          'statefulset.kubernetes.io/pod-name': 'workspace-phi-3-mini-0',
        },
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 5000 },
          { name: 'kv-events', protocol: 'TCP', port: 5557, targetPort: 5557 },
        ],
        publishNotReadyAddresses: true,
      },
    });
  });

  test('transformers runtime publishes no KV-cache events port', () => {
    const tf = workspace({
      metadata: { name: 'ws', namespace: 'ml', annotations: { 'kaito.sh/runtime': 'transformers' } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const [svc] = renderServices(tf.ws, tf.plan) as unknown as Service[];
    expect(svc.spec?.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80, targetPort: 5000 }]);
  });

  test('headless Service: no cluster IP, every pod of the workspace', () => {
    expect(headless.metadata?.name).toBe('workspace-phi-3-mini-headless');
    expect(headless.spec).toEqual({
      clusterIP: 'None',
      selector: { 'kaito.sh/workspace': 'workspace-phi-3-mini' },
      publishNotReadyAddresses: true,
    });
  });

  test('kaito.sh/enablelb: "True" makes a LoadBalancer, without the unauthenticated KV-events port', () => {
    const lb = workspace({
      metadata: { name: 'ws', namespace: 'ml', annotations: { 'kaito.sh/enablelb': 'True' } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const [svc] = renderServices(lb.ws, lb.plan) as unknown as Service[];
    expect(svc.spec?.type).toBe('LoadBalancer');
    expect(svc.spec?.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80, targetPort: 5000 }]);
  });

  test('tuning workspaces have no Service', () => {
    const t = seed('phi-3-mini-4k-qlora-tuning.yaml');
    expect(renderServices(t.ws, t.plan)).toEqual([]);
  });
});

describe('nodeClaimName', () => {
  const { ws } = seed('phi-3-mini-inference.yaml');

  test('ws + 9 hex digits of sha256(namespace/name/index): what gpu-provisioner accepts', () => {
    expect(nodeClaimName(ws, 0)).toBe('ws387e37c2b');
    for (let i = 0; i < 50; i++) expect(nodeClaimName(ws, i)).toMatch(/^[a-z][a-z0-9]{0,11}$/);
    expect(nodeClaimName(ws, 0)).toHaveLength(11);
  });

  test('stable for a workspace and index, different across indexes, names and namespaces', () => {
    expect(nodeClaimName(ws, 1)).toBe(nodeClaimName(ws, 1));
    const names = new Set(Array.from({ length: 100 }, (_, i) => nodeClaimName(ws, i)));
    expect(names.size).toBe(100);
    expect(nodeClaimName(ws, 0, { defaultNamespace: 'other' })).not.toBe(nodeClaimName(ws, 0));
    const other = { ...ws, metadata: { ...ws.metadata, name: 'workspace-phi-3-mini-2' } };
    expect(nodeClaimName(other, 0)).not.toBe(nodeClaimName(ws, 0));
  });
});

describe('renderNodeClaims', () => {
  test('seed phi-3-mini-inference.yaml: one NodeClaim as Kaito writes it', () => {
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    expect(renderNodeClaims(ws, plan)).toEqual([
      {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodeClaim',
        metadata: {
          name: 'ws387e37c2b',
          labels: {
            'karpenter.sh/nodepool': 'kaito',
            'kaito.sh/workspace': 'workspace-phi-3-mini',
            'kaito.sh/workspacenamespace': 'default',
            apps: 'phi-3',
          },
          annotations: { 'karpenter.sh/do-not-disrupt': 'true', 'kaito.sh/node-image-family': 'ubuntu' },
        },
        spec: {
          nodeClassRef: { group: 'kaito.sh', kind: 'KaitoNodeClass', name: 'default' },
          expireAfter: 'Never',
          taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
          requirements: [
            { key: 'karpenter.sh/nodepool', operator: 'In', values: ['kaito'] },
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC6s_v3'] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            { key: 'karpenter.azure.com/sku-name', operator: 'In', values: ['Standard_NC6s_v3'] },
          ],
          resources: { requests: { storage: '87Gi' } },
        },
      },
    ]);
  });

  test.each([
    [KAITO_NODE_CLASS, { group: 'kaito.sh', kind: 'KaitoNodeClass', name: 'default' }],
    [AKS_NODE_CLASS, { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' }],
    [EC2_NODE_CLASS, { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }],
    [KWOK_NODE_CLASS, { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' }],
    [
      { group: 'example.com', kind: 'GpuClass', name: 'h100.spot' },
      { group: 'example.com', kind: 'GpuClass', name: 'h100.spot' },
    ],
  ])("nodeClass %j is the claims' nodeClassRef; they never expire", (nodeClass, ref) => {
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    const [claim] = renderNodeClaims(ws, plan, { nodeClass }) as unknown as Array<{ spec: Record<string, unknown> }>;
    expect([claim!.spec.nodeClassRef, claim!.spec.expireAfter]).toEqual([ref, 'Never']);
  });

  test('one per planned node, not namespaced, no owner; reserved labels stripped; image family annotation', () => {
    const { ws, plan } = workspace({
      metadata: { name: 'big', namespace: 'ml', annotations: { 'kaito.sh/node-image-family': 'azurelinux' } },
      resource: {
        instanceType: 'Standard_NC48ads_A100_v4',
        labelSelector: { matchLabels: { apps: 'llm', 'kaito.sh/workspacenamespace': 'evil' } },
      },
      inference: { preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf' } } },
    });
    const claims = renderNodeClaims(ws, plan, { ownerUid: 'abc' });
    expect(claims.map((c) => c.metadata.name)).toEqual([nodeClaimName(ws, 0), nodeClaimName(ws, 1)]);
    for (const c of claims) {
      expect(c.metadata.namespace).toBeUndefined();
      expect(c.metadata.ownerReferences).toBeUndefined();
      expect(c.metadata.labels?.['kaito.sh/workspacenamespace']).toBe('ml');
      expect(c.metadata.annotations?.['kaito.sh/node-image-family']).toBe('azurelinux');
      expect((c.spec as { resources: unknown }).resources).toEqual({ requests: { storage: `${plan.diskGiB}Gi` } });
    }
  });

  test('bring your own nodes: none (no instance type, or the byo provisioner)', () => {
    const byo = workspace({
      resource: { labelSelector: { matchLabels: { apps: 'llm' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(renderNodeClaims(byo.ws, byo.plan)).toEqual([]);
    expect(renderMachines(byo.ws, byo.plan, { nodeProvisioner: 'machine' })).toEqual([]);
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    expect(renderNodeClaims(ws, plan, { nodeProvisioner: 'byo' })).toEqual([]);
  });
});

describe('renderMachines (nodeProvisioner: machine)', () => {
  const { ws, plan } = seed('phi-3-mini-inference.yaml');

  test('the v0.2 Machine instead of a NodeClaim', () => {
    expect(renderNodeClaims(ws, plan, { nodeProvisioner: 'machine' })).toEqual([]);
    expect(renderMachines(ws, plan)).toEqual([]);
    expect(renderMachines(ws, plan, { nodeProvisioner: 'machine' })).toEqual([
      {
        apiVersion: 'karpenter.sh/v1alpha5',
        kind: 'Machine',
        metadata: {
          name: 'ws387e37c2b',
          labels: {
            'karpenter.sh/provisioner-name': 'default',
            'kaito.sh/workspace': 'workspace-phi-3-mini',
            'kaito.sh/workspacenamespace': 'default',
            apps: 'phi-3',
          },
        },
        spec: {
          machineTemplateRef: { name: 'ws387e37c2b' },
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC6s_v3'] },
            { key: 'karpenter.sh/provisioner-name', operator: 'In', values: ['default'] },
            { key: 'kaito.sh/machine-type', operator: 'In', values: ['gpu'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
          ],
          taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
          resources: { requests: { storage: '87Gi' } },
        },
      },
    ]);
  });
});

describe('nodePoolName', () => {
  test('<namespace>-<name>, as Kaito names the NodePool', () => {
    expect(nodePoolName('default', 'workspace-phi-3-mini')).toBe('default-workspace-phi-3-mini');
  });

  test('over 63 characters (a label value): the first 53, "-" and 9 hex digits of sha256 over the whole', () => {
    // sha256("ml-" + 61 × "a") begins da4ed276c (sha256sum).
    const name = nodePoolName('ml', 'a'.repeat(61));
    expect(name).toBe(`ml-${'a'.repeat(50)}-da4ed276c`);
    expect(name).toHaveLength(63);
    expect(nodePoolName('ml', 'a'.repeat(60))).toBe(`ml-${'a'.repeat(60)}`);
  });

  test('a cut that ends in "." loses it, so the name stays a DNS subdomain', () => {
    // sha256("ml-" + 49 × "b" + ".cccccccccccc") begins 9b0569ae3.
    expect(nodePoolName('ml', `${'b'.repeat(49)}.cccccccccccc`)).toBe(`ml-${'b'.repeat(49)}-9b0569ae3`);
  });
});

describe('renderNodePool (nodeProvisioner: karpenter-nodepool)', () => {
  const { ws, plan } = seed('phi-3-mini-inference.yaml');
  const options = { nodeProvisioner: 'karpenter-nodepool' } as const;

  test('seed phi-3-mini-inference.yaml: one static NodePool as Kaito writes it, never expiring its nodes', () => {
    expect(renderNodePool(ws, plan, options)).toEqual([
      {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        metadata: {
          name: 'default-workspace-phi-3-mini',
          labels: {
            'karpenter.kaito.sh/managed-by': 'kaito',
            'karpenter.kaito.sh/workspace-name': 'workspace-phi-3-mini',
            'karpenter.kaito.sh/workspace-namespace': 'default',
          },
        },
        spec: {
          replicas: 1,
          template: {
            metadata: {
              labels: {
                'karpenter.kaito.sh/workspace-name': 'workspace-phi-3-mini',
                'karpenter.kaito.sh/workspace-namespace': 'default',
                apps: 'phi-3',
              },
            },
            spec: {
              nodeClassRef: { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' },
              expireAfter: 'Never',
              requirements: [
                { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC6s_v3'] },
                { key: 'karpenter.azure.com/placement-scope', operator: 'In', values: ['regional'] },
              ],
              taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
            },
          },
          disruption: { consolidateAfter: '0s', budgets: [{ nodes: '1', reasons: ['Drifted'] }] },
        },
      },
    ]);
    // The other kinds of node objects are not rendered beside it.
    expect([renderNodeClaims(ws, plan, options), renderMachines(ws, plan, options)]).toEqual([[], []]);
  });

  test('the node class is the option; only Karpenter on Azure gets the regional placement requirement', () => {
    const [pool] = renderNodePool(ws, plan, { ...options, nodeClass: KWOK_NODE_CLASS }) as unknown as Array<{
      spec: { template: { spec: Record<string, unknown> } };
    }>;
    expect([pool!.spec.template.spec.nodeClassRef, pool!.spec.template.spec.requirements]).toEqual([
      { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
      [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC6s_v3'] }],
    ]);
  });

  test('replicas = planned nodes; reserved labels stripped; not namespaced, no owner', () => {
    const big = workspace({
      metadata: { name: 'big', namespace: 'ml' },
      resource: {
        instanceType: 'Standard_NC48ads_A100_v4',
        labelSelector: { matchLabels: { apps: 'llm', 'karpenter.kaito.sh/workspace-name': 'evil' } },
      },
      inference: { preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf' } } },
    });
    const [pool] = renderNodePool(big.ws, big.plan, { ...options, ownerUid: 'abc' });
    const spec = pool!.spec as { replicas: number; template: { metadata: { labels: Record<string, string> } } };
    expect([pool!.metadata.name, pool!.metadata.namespace, pool!.metadata.ownerReferences]).toEqual([
      'ml-big',
      undefined,
      undefined,
    ]);
    expect([spec.replicas, spec.template.metadata.labels]).toEqual([
      2,
      {
        'karpenter.kaito.sh/workspace-name': 'big',
        'karpenter.kaito.sh/workspace-namespace': 'ml',
        apps: 'llm',
      },
    ]);
  });

  test("the workload's pods require the NodePool's node labels, not kaito.sh/workspace", () => {
    const sts = renderWorkspace(ws, plan, options).find((o) => o.kind === 'StatefulSet') as unknown as {
      spec: { template: { spec: { affinity: unknown } } };
    };
    expect(sts.spec.template.spec.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'apps', operator: 'In', values: ['phi-3'] },
                { key: 'karpenter.kaito.sh/workspace-name', operator: 'In', values: ['workspace-phi-3-mini'] },
                { key: 'karpenter.kaito.sh/workspace-namespace', operator: 'In', values: ['default'] },
              ],
            },
          ],
        },
      },
    });
  });

  test('bring your own nodes: none', () => {
    const byo = workspace({
      resource: { labelSelector: { matchLabels: { apps: 'llm' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(renderNodePool(byo.ws, byo.plan, options)).toEqual([]);
    expect(renderNodePool(ws, plan, { nodeProvisioner: 'byo' })).toEqual([]);
    expect(renderNodePool(ws, plan)).toEqual([]);
  });
});
