import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { KaitoWorkspace, type KaitoWorkspaceArgs } from '../../../src/pulumi';
import { runProgram, valueOf } from './harness';

const WORKSPACE = 'kubernetes:kaito.sh/v1beta1:Workspace';
const seedDir = join(__dirname, '..', '..', 'fixtures', 'seed');
const seeds = readdirSync(seedDir).filter((f) => f.endsWith('.yaml'));

const inference: KaitoWorkspaceArgs = {
  resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } },
  inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
};
const tuning: KaitoWorkspaceArgs = {
  resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { app: 'tuning' } } },
  tuning: {
    preset: { name: 'phi-3-mini-128k-instruct' },
    method: 'qlora',
    input: { urls: ['https://example.com/data.parquet'] },
    output: { image: 'example.azurecr.io/adapter:1', imagePushSecret: 'push' },
  },
};

describe('KaitoWorkspace', () => {
  test('declares the normalized workspace as a kaito.sh/v1beta1 Workspace, not awaited by default', async () => {
    let ws: KaitoWorkspace | undefined;
    const { graph } = await runProgram(() => {
      ws = new KaitoWorkspace('phi-3', inference);
    });
    expect(graph.summary()).toEqual([
      'kaito-constructs:index:KaitoWorkspace phi-3',
      `${WORKSPACE} phi-3-workspace-phi-3`,
    ]);
    const cr = graph.get('phi-3-workspace-phi-3');
    expect(cr.inputs).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'phi-3', namespace: 'default', annotations: { 'pulumi.com/skipAwait': 'true' } },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(graph.parentOf(cr)?.name).toBe('phi-3');
    expect(cr.customTimeouts).toBeUndefined();
    expect(await valueOf(ws!.name)).toBe('phi-3');
    expect(await valueOf(ws!.namespace)).toBe('default');
    expect(await valueOf(ws!.serviceName)).toBe('phi-3');
    expect(await valueOf(ws!.url)).toBe('http://phi-3.default.svc.cluster.local:80');
    expect(ws!.port).toBe(80);
    expect([ws!.plan.nodeCount, ws!.plan.dtype, ws!.plan.gpuModel]).toEqual([1, 'float16', 'NVIDIA V100']);
    expect(graph.outputs.get(graph.get('phi-3', 'kaito-constructs:index:KaitoWorkspace').urn)).toEqual({
      name: 'phi-3',
      namespace: 'default',
      serviceName: 'phi-3',
      url: 'http://phi-3.default.svc.cluster.local:80',
    });
  });

  test('waitForReady awaits InferenceReady for inference, with the timeout', async () => {
    const { graph } = await runProgram(
      () =>
        new KaitoWorkspace('phi', {
          ...inference,
          metadata: { name: 'phi-3', namespace: 'llm', annotations: { team: 'ml' } },
          waitForReady: true,
          readyTimeoutMinutes: 45,
        }),
    );
    const cr = graph.get('phi-workspace-phi-3');
    expect(cr.inputs.metadata).toEqual({
      name: 'phi-3',
      namespace: 'llm',
      annotations: { team: 'ml', 'pulumi.com/waitFor': 'condition=InferenceReady' },
    });
    expect(cr.customTimeouts).toEqual({ create: '45m', update: '45m', delete: '' });
  });

  test('waitForReady awaits WorkspaceSucceeded for tuning, six hours by default; no Service', async () => {
    let ws: KaitoWorkspace | undefined;
    const { graph } = await runProgram(() => {
      ws = new KaitoWorkspace('tune', { ...tuning, waitForReady: true });
    });
    const cr = graph.get('tune-workspace-tune');
    expect((cr.inputs.metadata as { annotations: unknown }).annotations).toEqual({
      'pulumi.com/waitFor': 'condition=WorkspaceSucceeded',
    });
    expect(cr.customTimeouts).toEqual({ create: '360m', update: '360m', delete: '' });
    expect(cr.inputs.tuning).toEqual(tuning.tuning);
    expect(await valueOf(ws!.serviceName)).toBeUndefined();
    expect(await valueOf(ws!.url)).toBeUndefined();
  });

  test('fromYaml adopts a manifest exported from a cluster: status and server-set metadata are dropped', async () => {
    const exported = `
apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata:
  name: workspace-phi-3-mini
  namespace: llm
  uid: 0b4f5c1e-1111-2222-3333-444455556666
  resourceVersion: "12345"
  generation: 2
  creationTimestamp: "2026-01-01T00:00:00Z"
  finalizers: [workspace.finalizer.kaito.sh]
  managedFields: [{ manager: kubectl, operation: Update }]
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{}'
    kaito.sh/runtime: transformers
resource:
  instanceType: Standard_NC24ads_A100_v4
  labelSelector: { matchLabels: { apps: phi-3 } }
inference:
  preset: { name: phi-3-mini-4k-instruct }
status:
  conditions: [{ type: InferenceReady, status: "True" }]
`;
    const { graph } = await runProgram(() => KaitoWorkspace.fromYaml('adopted', exported, { waitForReady: true }));
    expect(graph.get('adopted-workspace-workspace-phi-3-mini').inputs).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: {
        name: 'workspace-phi-3-mini',
        namespace: 'llm',
        annotations: { 'kaito.sh/runtime': 'transformers', 'pulumi.com/waitFor': 'condition=InferenceReady' },
      },
      resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'phi-3' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
  });

  test("the component's dependsOn reaches the Workspace resource", async () => {
    const { graph } = await runProgram(() => {
      const first = new KaitoWorkspace('first', inference);
      new KaitoWorkspace('second', inference, { dependsOn: first });
    });
    expect(graph.dependencyNames(graph.get('second-workspace-second'))).toEqual(['first-workspace-first']);
  });

  const invalid: Array<[string, () => unknown, Array<[string, string]>]> = [
    [
      'an unknown preset',
      () => new KaitoWorkspace('w', { ...inference, inference: { preset: { name: 'phi-3-mini-4k-instrukt' } } }),
      [['inference.preset.name', 'unknown preset "phi-3-mini-4k-instrukt". Did you mean "phi-3-mini-4k-instruct"']],
    ],
    [
      'a model that does not fit',
      () =>
        new KaitoWorkspace('w', {
          resource: { ...inference.resource, count: 1 },
          inference: { preset: { name: 'phi-3-medium-128k-instruct' } },
        }),
      [['resource.count', 'phi-3-medium-128k-instruct needs']],
    ],
    [
      'inference and tuning at once',
      () => new KaitoWorkspace('w', { ...inference, tuning: tuning.tuning }),
      [['', 'exactly one of inference or tuning must be set']],
    ],
    [
      'an output inside the workspace',
      () =>
        new KaitoWorkspace('w', {
          ...inference,
          inference: { preset: { name: pulumi.output('phi-3-mini-4k-instruct') as unknown as string } },
        }),
      [['inference.preset.name', 'must be a plain value, not an Output or a promise']],
    ],
    [
      'a component name that is no DNS label (the default workspace name)',
      () => new KaitoWorkspace('Phi3', inference),
      [['metadata.name', '"Phi3"']],
    ],
    [
      'a negative timeout',
      () => new KaitoWorkspace('w', { ...inference, waitForReady: true, readyTimeoutMinutes: 0 }),
      [['readyTimeoutMinutes', '0 is not a positive number of minutes']],
    ],
    [
      'two workspaces in one manifest',
      () =>
        KaitoWorkspace.fromYaml(
          'w',
          `${readFileSync(join(seedDir, seeds[0]), 'utf8')}\n---\n${readFileSync(join(seedDir, seeds[1]), 'utf8')}`,
        ),
      [['', 'expected exactly one Workspace, found 2 documents']],
    ],
    [
      'a manifest of another kind',
      () => KaitoWorkspace.fromYaml('w', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n'),
      [['kind', 'must be "Workspace", got "Deployment"']],
    ],
    ['text that is not YAML', () => KaitoWorkspace.fromYaml('w', 'kind: [Workspace'), [['', 'not valid YAML']]],
  ];

  test.each(invalid)('rejects %s before registering anything', async (_what, program, expected) => {
    const { graph, error } = await runProgram(program);
    expect(graph.registrations).toEqual([]);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors.map((x) => x.propertyPath)).toEqual(expected.map(([path]) => path));
    e.errors.forEach((x, i) => expect(x.reason).toContain(expected[i][1]));
    expect(e.message).toMatch(/^KaitoWorkspace "(w|Phi3)" has invalid args:\n {2}/);
  });
});
