import { SkuCatalog, defaultSkus } from '../../../src/catalog';
import * as pulumi from '@pulumi/pulumi';
import { renderWorkspace } from '../../../src/render';
import { GpuNodePool, InferenceService, KaitoOperator, type InferenceServiceArgs } from '../../../src/pulumi';
import { runProgram, valueOf, type Graph } from './harness';

const POOL = 'gpu-agentpool-gpu';
const CRD = 'kaito-customresourcedefinition-workspaces.kaito.sh';
const CATALOG_CRD = 'kaito-customresourcedefinition-kaitocatalogs.kaito.sh';

function pool(): GpuNodePool {
  return new GpuNodePool('gpu', { resourceGroupName: 'rg', clusterName: 'aks', vmSize: 'Standard_NC6s_v3' });
}

/** The registrations of a direct-mode component's objects, in the order it declared them. */
async function declared(graph: Graph, resources: readonly pulumi.Resource[]) {
  const urns = await Promise.all(resources.map((r) => valueOf(r.urn)));
  return urns.map((urn) => graph.registrations.find((r) => r.urn === urn)!);
}

describe('InferenceService in operator mode', () => {
  test('declares a KaitoWorkspace on the pool: its labels, planned on its GPUs, after it and the CRD', async () => {
    let svc: InferenceService | undefined;
    const { graph } = await runProgram(() => {
      const operator = new KaitoOperator('kaito');
      svc = new InferenceService('phi-3', { preset: 'phi-3-mini-4k-instruct' }, { nodePool: pool(), operator });
    });
    const component = graph.get('phi-3', 'kaito-constructs:index:InferenceService');
    const workspace = graph.get('phi-3', 'kaito-constructs:index:KaitoWorkspace');
    const cr = graph.get('phi-3-workspace-phi-3');
    expect(graph.childrenOf(component)).toEqual([workspace]);
    expect(graph.childrenOf(workspace)).toEqual([cr]);
    expect(cr.inputs).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'phi-3', namespace: 'default', annotations: { 'pulumi.com/skipAwait': 'true' } },
      resource: { labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(graph.dependencyNames(cr)).toEqual([POOL, CATALOG_CRD, CRD]);
    expect(graph.dependencyNames(workspace)).toEqual([POOL, CATALOG_CRD, CRD]);
    // Planned on the pool's V100s: no bfloat16.
    expect([svc!.plan.instanceType, svc!.plan.gpuModel, svc!.plan.dtype, svc!.plan.fitChecked]).toEqual([
      undefined,
      'NVIDIA V100',
      'float16',
      true,
    ]);
    expect(svc!.mode).toBe('operator');
    expect(svc!.resources).toEqual([]);
    expect(await valueOf(svc!.serviceName)).toBe('phi-3');
    expect(await valueOf(svc!.url)).toBe('http://phi-3.default.svc.cluster.local:80');
    expect(graph.outputs.get(component.urn)).toEqual({
      name: 'phi-3',
      namespace: 'default',
      serviceName: 'phi-3',
      port: 80,
      url: 'http://phi-3.default.svc.cluster.local:80',
    });
  });

  test('on an instance type: the operator provisions nodes; runtime and load balancer become annotations', async () => {
    const { graph } = await runProgram(
      () =>
        new InferenceService('phi', {
          preset: 'phi-3-mini-4k-instruct',
          instanceType: 'Standard_NC24ads_A100_v4',
          metadata: { name: 'workspace-phi-3-mini', namespace: 'llm', labels: { team: 'ml' } },
          runtime: 'transformers',
          loadBalancer: true,
          waitForReady: true,
        }),
    );
    const cr = graph.get('phi-workspace-workspace-phi-3-mini');
    expect(cr.inputs).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: {
        name: 'workspace-phi-3-mini',
        namespace: 'llm',
        labels: { team: 'ml' },
        annotations: {
          'kaito.sh/runtime': 'transformers',
          'kaito.sh/enablelb': 'True',
          'pulumi.com/waitFor': 'condition=InferenceReady',
        },
      },
      resource: {
        instanceType: 'Standard_NC24ads_A100_v4',
        labelSelector: { matchLabels: { apps: 'workspace-phi-3-mini' } },
      },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(cr.customTimeouts).toEqual({ create: '30m', update: '30m', delete: '' });
  });
});

describe('InferenceService in direct mode', () => {
  test('declares the rendered objects as typed resources, the StatefulSet after its ConfigMap and Services', async () => {
    let svc: InferenceService | undefined;
    const { graph } = await runProgram(() => {
      svc = new InferenceService(
        'phi-3',
        {
          preset: 'phi-3-mini-4k-instruct',
          mode: 'direct',
          adapters: [{ source: { name: 'adapter', image: 'example.azurecr.io/adapter:1' } }],
        },
        { nodePool: pool() },
      );
    });
    const regs = await declared(graph, svc!.resources);
    expect(regs.map((r) => `${r.type} ${r.name}`)).toEqual([
      'kubernetes:core/v1:ConfigMap phi-3-configmap-phi-3-inference-config',
      'kubernetes:core/v1:Service phi-3-service-phi-3',
      'kubernetes:core/v1:Service phi-3-service-phi-3-headless',
      'kubernetes:apps/v1:StatefulSet phi-3-statefulset-phi-3',
    ]);
    expect(regs.map((r) => r.inputs)).toEqual(renderWorkspace(svc!.workspace, svc!.plan, { nodeProvisioner: 'byo' }));
    for (const r of regs) expect(graph.parentOf(r)?.type).toBe('kaito-constructs:index:InferenceService');
    expect(regs.map((r) => graph.dependencyNames(r))).toEqual([
      [POOL],
      [POOL],
      [POOL],
      [POOL, 'phi-3-configmap-phi-3-inference-config', 'phi-3-service-phi-3', 'phi-3-service-phi-3-headless'],
    ]);
    expect(regs.map((r) => r.customTimeouts?.create ?? null)).toEqual([null, '30m', '30m', '30m']);
    expect(graph.ofType('kubernetes:kaito.sh/v1beta1:Workspace')).toEqual([]);
    expect(await valueOf(svc!.serviceName)).toBe('phi-3');
    expect(await valueOf(svc!.url)).toBe('http://phi-3.default.svc.cluster.local:80');
    expect(await valueOf(svc!.name)).toBe('phi-3');
  });

  test('without waitForReady, Pulumi skips the await of the Services and the StatefulSet (and only that differs)', async () => {
    let svc: InferenceService | undefined;
    const { graph } = await runProgram(() => {
      svc = new InferenceService('phi', {
        preset: 'phi-3-mini-4k-instruct',
        instanceType: 'Standard_NC6s_v3',
        labelSelector: { matchLabels: { apps: 'phi' } },
        mode: 'direct',
        waitForReady: false,
      });
    });
    const regs = await declared(graph, svc!.resources);
    const rendered = renderWorkspace(svc!.workspace, svc!.plan, { nodeProvisioner: 'byo' });
    regs.forEach((r, i) => {
      const metadata = rendered[i].metadata;
      const skip = rendered[i].kind === 'ConfigMap' ? {} : { annotations: { 'pulumi.com/skipAwait': 'true' } };
      expect(r.inputs).toEqual({ ...rendered[i], metadata: { ...metadata, ...skip } });
      expect(r.customTimeouts).toBeUndefined();
    });
  });
});

describe('InferenceService args', () => {
  const onPool = (change: Partial<InferenceServiceArgs>) => () =>
    new InferenceService('phi', { preset: 'phi-3-mini-4k-instruct', ...change }, { nodePool: pool() });
  const invalid: Array<[string, () => unknown, Array<[string, string]>]> = [
    [
      'a misspelt preset, with near names',
      onPool({ preset: 'phi-3-mini-4k-instrukt' }),
      [['preset', 'unknown preset "phi-3-mini-4k-instrukt". Did you mean "phi-3-mini-4k-instruct"']],
    ],
    [
      'a model that needs more nodes than the pool has',
      onPool({ preset: 'phi-4' }),
      [['nodePool', 'phi-4 needs 3 nodes of Standard_NC6s_v3 (43.5 GiB of GPU memory); node pool "gpu" has at most 1']],
    ],
    [
      'a count too small for the model',
      onPool({ preset: 'phi-4', count: 1 }),
      [['count', 'phi-4 needs 43.5 GiB of GPU memory; count 1 gives 16 GiB (1 x 16 GiB); it needs 3 nodes']],
    ],
    [
      'adapter strength on vLLM',
      onPool({ adapters: [{ source: { name: 'a', image: 'example.azurecr.io/a:1' }, strength: '0.5' }] }),
      [['adapters[0].strength', 'vLLM']],
    ],
    [
      'a workspace name that is no DNS label',
      onPool({ metadata: { name: 'Phi_3' } }),
      [
        [
          'metadata.name',
          '"Phi_3" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
        ],
      ],
    ],
    ['an unknown runtime', onPool({ runtime: 'tgi' as never }), [['runtime', 'unsupported value "tgi"']]],
    [
      'nowhere to run',
      () => new InferenceService('phi', { preset: 'phi-3-mini-4k-instruct' }),
      [
        [
          'instanceType',
          'say where to run: instanceType (nodes the operator provisions), nodePool (a GpuNodePool) or labelSelector (your own GPU nodes)',
        ],
      ],
    ],
    [
      'a pool and an instance type',
      onPool({ instanceType: 'Standard_NC6s_v3' }),
      [['instanceType', 'set either instanceType or nodePool, not both']],
    ],
    [
      'a pool and a selector',
      onPool({ labelSelector: { matchLabels: { a: 'b' } } }),
      [['labelSelector', "the node pool's labels select its nodes: set either labelSelector or nodePool"]],
    ],
    [
      'direct mode on an instance type alone (nothing provisions its nodes)',
      () =>
        new InferenceService('phi', {
          preset: 'phi-3-mini-4k-instruct',
          instanceType: 'Standard_NC6s_v3',
          mode: 'direct',
        }),
      [
        [
          'labelSelector',
          'direct mode provisions no nodes: give nodePool, or labelSelector of your GPU nodes (for instance { matchLabels: { "node.kubernetes.io/instance-type": "Standard_NC6s_v3" } })',
        ],
      ],
    ],
    ['an unknown mode', onPool({ mode: 'sideways' as never }), [['mode', '"sideways" is not one of operator, direct']]],
    [
      'an output where a plain value is needed',
      onPool({ preset: pulumi.output('phi-3-mini-4k-instruct') as never }),
      [['preset', 'must be a plain value']],
    ],
    [
      'a count over 1000 in direct mode',
      () =>
        new InferenceService('phi', {
          preset: 'phi-3-mini-4k-instruct',
          labelSelector: { matchLabels: { apps: 'gpu' } },
          instanceType: 'Standard_NC6s_v3',
          mode: 'direct',
          count: 100000,
        }),
      [['count', 'must be less than or equal to 1000, got 100000']],
    ],
    [
      'an annotation that is not a string (enablelb: True unquoted), in direct mode',
      onPool({ mode: 'direct', metadata: { annotations: { 'kaito.sh/enablelb': true as never } } }),
      [['metadata.annotations[kaito.sh/enablelb]', 'must be of type string, got boolean true']],
    ],
    [
      'a label that is not a string',
      onPool({ metadata: { labels: { team: 1 as never } } }),
      [['metadata.labels.team', 'must be of type string, got integer 1']],
    ],
    [
      'an unknown instance type',
      () => new InferenceService('phi', { preset: 'phi-3-mini-4k-instruct', instanceType: 'Standard_NC6s_v4' }),
      [['instanceType', 'unknown instance type "Standard_NC6s_v4". Did you mean "Standard_NC6s_v3"']],
    ],
    [
      'a pool and an operator in the args (they are options), from a program without type checks',
      () =>
        new InferenceService('phi', {
          preset: 'phi-3-mini-4k-instruct',
          ...({ nodePool: pool(), operator: {} } as object),
        }),
      [
        ['nodePool', 'is a component option: pass it in the options, the third argument ({ nodePool })'],
        ['operator', 'is a component option: pass it in the options, the third argument ({ operator })'],
      ],
    ],
  ];

  test.each(invalid)('rejects %s with the arg path, before registering anything', async (_what, program, expected) => {
    const { graph, error } = await runProgram(program);
    // Only the pool the args refer to was registered.
    expect(graph.registrations.filter((r) => !r.name.startsWith('gpu'))).toEqual([]);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors.map((x) => x.propertyPath)).toEqual(expected.map(([path]) => path));
    e.errors.forEach((x, i) => expect(x.reason).toContain(expected[i][1]));
    expect(e.message).toMatch(/^InferenceService "phi" has invalid args:\n {2}/);
  });

  test('warnings carry the arg paths, and are logged', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    let svc: InferenceService | undefined;
    await runProgram(() => {
      svc = new InferenceService('phi', {
        preset: 'phi-3-mini-4k-instruct',
        instanceType: 'Standard_NC6s_v3',
        labelSelector: { matchLabels: { apps: 'phi', 'kaito.sh/workspace': 'x' } },
      });
    });
    expect(svc!.warnings.map((w) => w.path)).toEqual(['labelSelector.matchLabels[kaito.sh/workspace]', 'instanceType']);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('labelSelector.matchLabels[kaito.sh/workspace]: reserved by Kaito; it is ignored'),
      expect.stringContaining(
        'instanceType: Standard_NC6s_v3 (V100) was retired by Azure and Kaito no longer serves it; it still works here',
      ),
    ]);
    warn.mockRestore();
  });

  test('catalogs: a SKU of its own catalog plans the pool and the service, as in cdk8s', async () => {
    const skus = new SkuCatalog([{ ...defaultSkus.find('Standard_NC6s_v3')!, name: 'Standard_NC6s_v9' }]);
    let svc: InferenceService | undefined;
    let direct: InferenceService | undefined;
    const { error } = await runProgram(() => {
      direct = new InferenceService(
        'own-type',
        { preset: 'phi-3-mini-4k-instruct', instanceType: 'Standard_NC6s_v9' },
        { skus },
      );
      const gpus = new GpuNodePool(
        'own',
        { resourceGroupName: 'rg', clusterName: 'aks', vmSize: 'Standard_NC6s_v9' },
        { skus },
      );
      svc = new InferenceService('phi', { preset: 'phi-3-mini-4k-instruct' }, { nodePool: gpus, skus });
    });
    expect(error).toBeUndefined();
    expect([svc!.plan.gpuModel, svc!.plan.fitChecked]).toEqual(['NVIDIA V100', true]);
    expect([direct!.plan.instanceType, direct!.plan.fitChecked]).toEqual(['Standard_NC6s_v9', true]);
    const unknown = await runProgram(
      () => new InferenceService('phi', { preset: 'phi-3-mini-4k-instruct', instanceType: 'Standard_NC6s_v9' }),
    );
    expect((unknown.error as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath)).toEqual(['instanceType']);
  });
});
