import { kplus } from '../../../src/cdk8s/plus';
import { GpuNodePool, InferenceService, KaitoOperator } from '../../../src/cdk8s';
import { FitError, ValidationError, parseWorkspace, planWorkspace, type Problem } from '../../../src';
import { renderWorkspace } from '../../../src/render';
import { chart, ids, plain, synth, thrown } from './helpers';
import { Names } from 'cdk8s';

const phi = {
  preset: 'phi-3-mini-4k-instruct',
  instanceType: 'Standard_NC6s_v3',
  metadata: { name: 'phi' },
} as const;

/** What `kaito render` prints for a v1beta1 workspace in direct mode (bring-your-own nodes). */
function rendered(workspace: Record<string, unknown>) {
  const ws = parseWorkspace({ apiVersion: 'kaito.sh/v1beta1', kind: 'Workspace', ...workspace });
  return plain(renderWorkspace(ws, planWorkspace(ws), { nodeProvisioner: 'byo' }));
}

const problemsOf = (e: Error): Array<[string, string]> =>
  (e as ValidationError).problems.map((p: Problem) => [p.path, p.message]);

describe('InferenceService', () => {
  test('operator mode declares a Workspace; the operator labels the nodes it provisions { apps: <name> }', () => {
    const c = chart();
    const svc = new InferenceService(c, 'phi', { ...phi, runtime: 'vllm', count: 1 });
    expect(synth(c)).toEqual([
      {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'phi', namespace: 'default', annotations: { 'kaito.sh/runtime': 'vllm' } },
        resource: { count: 1, instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi' } } },
        inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      },
    ]);
    expect([svc.serviceName, svc.port, svc.url, svc.namespace]).toEqual([
      'phi',
      80,
      'http://phi.default.svc.cluster.local:80',
      'default',
    ]);
    expect(svc.kaitoWorkspace?.name).toBe('phi');
    expect([svc.name, svc.mode]).toEqual(['phi', 'operator']);
  });

  test('without metadata.name, the name is the generated name of the construct (as cdk8s-plus names)', () => {
    const c = chart();
    const svc = new InferenceService(c, 'phi', { preset: phi.preset, instanceType: phi.instanceType });
    expect(svc.name).toBe(Names.toDnsLabel(svc));
    expect(svc.name).toMatch(/^test-phi-c8[0-9a-f]{6}$/);
    expect(synth(c)[0].metadata).toEqual({ name: svc.name, namespace: 'default' });
  });

  test('a service that fails validation leaves nothing in the tree', () => {
    const c = chart();
    expect(() => new InferenceService(c, 'phi', { ...phi, preset: 'no-such-model' })).toThrow(ValidationError);
    expect(c.node.children).toEqual([]);
    expect(synth(c)).toEqual([]);
  });

  test('direct mode emits exactly what the renderer renders for bring-your-own nodes (no NodeClaims)', () => {
    const c = chart();
    const svc = new InferenceService(c, 'phi', {
      ...phi,
      metadata: { name: 'workspace-phi-3-mini' },
      labelSelector: { matchLabels: { apps: 'phi-3' } },
      mode: 'direct',
    });
    const expected = rendered({
      metadata: { name: 'workspace-phi-3-mini' },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(synth(c)).toEqual(expected);
    expect(ids(expected)).toEqual([
      'ConfigMap/default/workspace-phi-3-mini-inference-config',
      'Service/default/workspace-phi-3-mini',
      'Service/default/workspace-phi-3-mini-headless',
      'StatefulSet/default/workspace-phi-3-mini',
    ]);
    expect(svc.url).toBe('http://workspace-phi-3-mini.default.svc.cluster.local:80');
    expect(svc.kaitoWorkspace).toBeUndefined();
  });

  test("direct mode: the objects' construct ids hold no workspace name, so every service has the same ones", () => {
    const c = chart();
    const labelSelector = { matchLabels: { apps: 'phi' } };
    for (const name of ['phi-a', 'phi-b']) {
      new InferenceService(c, name, { ...phi, metadata: { name }, labelSelector, mode: 'direct' });
    }
    const paths = c.node
      .findAll()
      .filter((n) => n.node.children.length === 0)
      .map((n) => n.node.path);
    expect(paths).toEqual(
      ['phi-a', 'phi-b'].flatMap((name) =>
        ['ConfigMap-inference-config', 'Service', 'Service-headless', 'StatefulSet'].map(
          (id) => `test/${name}/Objects/${id}`,
        ),
      ),
    );
  });

  test('on a GpuNodePool: its labels select the nodes, its SKU sizes the plan, nothing is provisioned', () => {
    const c = chart('ml');
    const pool = new GpuNodePool(c, 'gpu', {
      provider: 'aso',
      clusterName: 'aks',
      vmSize: 'Standard_NC24ads_A100_v4',
      count: 2,
      nodeLabels: { team: 'ml' },
    });
    const direct = new InferenceService(c, 'direct', {
      metadata: { name: 'direct' },
      preset: 'phi-3-mini-4k-instruct',
      nodePool: pool,
      mode: 'direct',
    });
    const operator = new InferenceService(c, 'op', {
      metadata: { name: 'op' },
      preset: 'phi-3-mini-4k-instruct',
      nodePool: pool,
    });
    const selector = { matchLabels: { team: 'ml', 'kubernetes.azure.com/agentpool': 'gpu' } };
    expect(direct.workspace.resource).toEqual({ labelSelector: selector });
    expect([direct.plan.gpuModel, direct.plan.gpusPerNode, direct.plan.fitChecked]).toEqual(['NVIDIA A100', 1, true]);
    const manifests = synth(c);
    expect(ids(manifests)).toEqual([
      'ManagedClustersAgentPool/ml/gpu',
      'ConfigMap/ml/direct-inference-config',
      'Service/ml/direct',
      'Service/ml/direct-headless',
      'StatefulSet/ml/direct',
      'Workspace/ml/op',
    ]);
    // The renderer's objects for that workspace and plan (the pool's A100 gives vLLM a sized context).
    expect(manifests.slice(1, 5)).toEqual(
      plain(renderWorkspace(direct.workspace, direct.plan, { nodeProvisioner: 'byo', defaultNamespace: 'ml' })),
    );
    expect(direct.plan.maxModelLen).toBe(4096);
    expect(manifests[5]).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'op', namespace: 'ml' },
      resource: { labelSelector: selector },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(operator.plan.gpuModel).toBe('NVIDIA A100');
  });

  test('secrets and config maps may be cdk8s-plus handles or names; adapters are written as in a Workspace', () => {
    const c = chart();
    const hf = kplus.Secret.fromSecretName(c, 'hf', 'hf-token');
    const config = kplus.ConfigMap.fromConfigMapName(c, 'cfg', 'vllm-config');
    const svc = new InferenceService(c, 'llama', {
      preset: 'llama-3.1-8b-instruct',
      instanceType: 'Standard_NC24ads_A100_v4',
      modelAccessSecret: hf,
      config,
      adapters: [
        { source: { name: 'sql', image: 'myacr.azurecr.io/sql:1', imagePullSecrets: ['acr-pull', 'other'] } },
        {
          source: { name: 'chat', volumeSource: { persistentVolumeClaim: { claimName: 'adapters' } } },
          strength: '1.0',
        },
      ],
    });
    expect(svc.workspace.inference).toEqual({
      preset: { name: 'llama-3.1-8b-instruct', presetOptions: { modelAccessSecret: 'hf-token' } },
      config: 'vllm-config',
      adapters: [
        { source: { name: 'sql', image: 'myacr.azurecr.io/sql:1', imagePullSecrets: ['acr-pull', 'other'] } },
        {
          source: { name: 'chat', volumeSource: { persistentVolumeClaim: { claimName: 'adapters' } } },
          strength: '1.0',
        },
      ],
    });
  });

  test('with an operator, the Workspace follows its CRD', () => {
    const c = chart();
    const svc = new InferenceService(c, 'phi', { ...phi, operator: new KaitoOperator(c, 'op') });
    expect(svc.kaitoWorkspace?.apiObject.node.dependencies.map((d) => d.node.id)).toEqual([
      'CustomResourceDefinition-workspaces.kaito.sh',
    ]);
  });

  describe('errors name the prop', () => {
    test('bad preset', () => {
      const e = thrown(() => new InferenceService(chart(), 'phi', { ...phi, preset: 'phi-3-mini-4k-instrukt' }));
      expect(e).toBeInstanceOf(ValidationError);
      expect(problemsOf(e)).toEqual([
        [
          'instanceType',
          'Standard_NC6s_v3 (V100) was retired by Azure and Kaito no longer serves it; it still works here',
        ],
        [
          'preset',
          'unknown preset "phi-3-mini-4k-instrukt". Did you mean "phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "phi-3-medium-4k-instruct"? Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
        ],
      ]);
      expect(e.message.split('\n')[0]).toBe('InferenceService "phi" is invalid:');
    });

    test.each([['operator'], ['direct']] as const)(
      'a count over 1000 in %s mode is the core check, naming count (no StatefulSet of 100000)',
      (mode) => {
        const c = chart();
        const e = thrown(
          () =>
            new InferenceService(c, 'phi', {
              ...phi,
              mode,
              count: 100000,
              ...(mode === 'direct' ? { labelSelector: { matchLabels: { apps: 'gpu' } } } : {}),
            }),
        );
        expect(e).toBeInstanceOf(ValidationError);
        expect(problemsOf(e)).toEqual([['count', 'must be less than or equal to 1000, got 100000']]);
        expect(synth(c)).toEqual([]);
      },
    );

    test('does not fit', () => {
      const e = thrown(
        () => new InferenceService(chart(), 'phi', { ...phi, preset: 'phi-3-medium-128k-instruct', count: 1 }),
      );
      expect(e).toBeInstanceOf(FitError);
      expect([(e as FitError).path, (e as FitError).suggestions]).toEqual([
        'count',
        ['Standard_NV72ads_A10_v5', 'Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5'],
      ]);
      expect(e.message).toMatch(/^InferenceService "phi": count: phi-3-medium-128k-instruct needs 41\.83 GiB/);
    });

    test('adapters on the wrong runtime', () => {
      const strength = thrown(
        () =>
          new InferenceService(chart(), 'phi', {
            ...phi,
            adapters: [{ source: { name: 'a', image: 'r.io/a:1' }, strength: '0.5' }],
          }),
      );
      expect(problemsOf(strength)).toEqual([
        [
          'instanceType',
          'Standard_NC6s_v3 (V100) was retired by Azure and Kaito no longer serves it; it still works here',
        ],
        [
          'adapters[0].strength',
          'adapter strength other than "1.0" needs the transformers runtime (annotation kaito.sh/runtime: transformers); vLLM does not support adapter strength: it applies every adapter at full strength, so only "1.0" is accepted with it',
        ],
      ]);
      const lora = thrown(
        () =>
          new InferenceService(chart(), 'falcon', {
            preset: 'falcon-7b-instruct',
            instanceType: 'Standard_NC24ads_A100_v4',
            adapters: [{ source: { name: 'a', image: 'r.io/a:1' } }],
          }),
      );
      expect(problemsOf(lora)).toEqual([
        [
          'preset',
          '"falcon-7b-instruct": Kaito removed the falcon, phi-2 and llama-2 presets (v0.11) and no longer serves them; it still works here',
        ],
        ['adapters', 'vLLM cannot load LoRA adapters for model "falcon-7b-instruct"; use the transformers runtime'],
      ]);
      const source = thrown(
        () => new InferenceService(chart(), 'phi', { ...phi, adapters: [{ source: { name: 'a' } }] }),
      );
      expect(problemsOf(source).map(([path]) => path)).toEqual(['instanceType', 'adapters[0].source']);
      // On transformers a strength is fine.
      expect(
        () =>
          new InferenceService(chart(), 'phi', {
            ...phi,
            runtime: 'transformers',
            adapters: [{ source: { name: 'a', image: 'r.io/a:1' }, strength: '0.5' }],
          }),
      ).not.toThrow();
    });

    test('direct mode without nodes, and conflicting placements', () => {
      expect(problemsOf(thrown(() => new InferenceService(chart(), 'phi', { ...phi, mode: 'direct' })))).toEqual([
        [
          'labelSelector',
          'direct mode provisions no nodes: give nodePool, or labelSelector of your GPU nodes (for instance { matchLabels: { "node.kubernetes.io/instance-type": "Standard_NC6s_v3" } })',
        ],
      ]);
      expect(problemsOf(thrown(() => new InferenceService(chart(), 'phi', { preset: phi.preset })))).toEqual([
        [
          'instanceType',
          'say where to run: instanceType (nodes the operator provisions), nodePool (a GpuNodePool) or labelSelector (your own GPU nodes)',
        ],
      ]);
      const c = chart();
      const pool = new GpuNodePool(c, 'gpu', { provider: 'karpenter', vmSize: 'Standard_NC6s_v3', count: 2 });
      expect(problemsOf(thrown(() => new InferenceService(c, 'a', { ...phi, nodePool: pool })))).toEqual([
        ['instanceType', 'set either instanceType or nodePool, not both'],
      ]);
      expect(
        problemsOf(thrown(() => new InferenceService(c, 'b', { preset: phi.preset, nodePool: pool, count: 3 }))),
      ).toEqual([['count', '3 nodes, but node pool "gpu" has at most 2']]);
      expect(problemsOf(thrown(() => new InferenceService(c, 'c', { ...phi, metadata: { name: 'Phi' } })))).toEqual([
        [
          'metadata.name',
          '"Phi" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
        ],
        [
          'instanceType',
          'Standard_NC6s_v3 (V100) was retired by Azure and Kaito no longer serves it; it still works here',
        ],
      ]);
    });

    test('a model that needs more nodes than the pool holds names the pool', () => {
      const c = chart();
      const pool = new GpuNodePool(c, 'gpu', { provider: 'karpenter', vmSize: 'Standard_NC24ads_A100_v4', count: 1 });
      expect(
        problemsOf(
          thrown(
            () =>
              new InferenceService(c, 'big', {
                preset: 'llama-3.3-70b-instruct',
                modelAccessSecret: 'hf',
                nodePool: pool,
              }),
          ),
        ),
      ).toEqual([
        [
          'nodePool',
          'llama-3.3-70b-instruct needs 3 nodes of Standard_NC24ads_A100_v4 (176.52 GiB of GPU memory); node pool "gpu" has at most 1',
        ],
      ]);
    });
  });
});
