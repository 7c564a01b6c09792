import { readdirSync, readFileSync } from 'node:fs';
import { Chart, Names, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { KaitoOperator, KaitoWorkspace } from '../../../src/cdk8s';
import { kplus } from '../../../src/cdk8s/plus';
import { FitError, ValidationError } from '../../../src';
import { renderOperator } from '../../../src/render';
import { WorkspaceV1Beta1, type WorkspaceV1Beta1Props } from '../../../imports/kaito.sh';
import { chart, crdSchema, ids, kaitoRender, plain, seed, seedPath, structureProblems, synth, thrown } from './helpers';

const resource = { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } };

describe('KaitoWorkspace', () => {
  test('emits the props as a kaito.sh/v1beta1 Workspace, fields at the top level', () => {
    const c = chart();
    const ws = new KaitoWorkspace(c, 'phi', {
      metadata: { name: 'phi', annotations: { 'kaito.sh/runtime': 'transformers' } },
      resource,
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(synth(c)).toEqual([
      {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'phi', namespace: 'default', annotations: { 'kaito.sh/runtime': 'transformers' } },
        resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } },
        inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      },
    ]);
    expect([ws.name, ws.namespace, ws.serviceName, ws.url]).toEqual([
      'phi',
      'default',
      'phi',
      'http://phi.default.svc.cluster.local:80',
    ]);
    expect([ws.plan.runtime, ws.plan.nodeCount, ws.plan.dtype]).toEqual(['transformers', 1, 'float16']);
  });

  test("Kubernetes fields are cdk8s-plus-28's k8s types and are emitted as Kubernetes' JSON", () => {
    const { k8s } = kplus;
    const c = chart();
    new KaitoWorkspace(c, 'custom', {
      metadata: { name: 'custom' },
      resource,
      inference: {
        template: {
          spec: {
            containers: [
              {
                name: 'server',
                image: 'example.com/server:1',
                resources: { limits: { 'nvidia.com/gpu': k8s.Quantity.fromNumber(1) } },
                readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromNumber(5000) } },
              },
            ],
          },
        },
      },
    });
    new KaitoWorkspace(c, 'tune', {
      metadata: { name: 'tune' },
      resource,
      tuning: {
        preset: { name: 'phi-3-mini-128k-instruct' },
        method: 'qlora',
        input: { urls: ['https://example.com/data.parquet'] },
        output: { volumeSource: { emptyDir: { sizeLimit: k8s.Quantity.fromString('10Gi') } } },
      },
    });
    const [custom, tune] = synth(c);
    expect(custom!.inference).toEqual({
      template: {
        spec: {
          containers: [
            {
              name: 'server',
              image: 'example.com/server:1',
              resources: { limits: { 'nvidia.com/gpu': 1 } },
              readinessProbe: { httpGet: { path: '/health', port: 5000 } },
            },
          ],
        },
      },
    });
    expect((tune!.tuning as { output: unknown }).output).toEqual({ volumeSource: { emptyDir: { sizeLimit: '10Gi' } } });
  });

  test('a tuning workspace has no Service', () => {
    const ws = new KaitoWorkspace(chart('ml'), 'tune', {
      metadata: { name: 'tune' },
      resource,
      tuning: {
        preset: { name: 'phi-3-mini-128k-instruct' },
        method: 'qlora',
        input: { urls: ['https://example.com/data.parquet'] },
        output: { volumeSource: { emptyDir: {} } },
      },
    });
    expect([ws.namespace, ws.serviceName, ws.url, ws.plan.kind]).toEqual(['ml', undefined, undefined, 'tuning']);
  });

  test("a workspace without a namespace goes to the chart's; one with a namespace keeps it", () => {
    const c = chart('ml');
    const a = new KaitoWorkspace(c, 'a', {
      metadata: { name: 'a' },
      resource,
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const b = new KaitoWorkspace(c, 'b', {
      metadata: { name: 'b', namespace: 'other' },
      resource,
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    expect(ids(synth(c))).toEqual(['Workspace/ml/a', 'Workspace/other/b']);
    expect([a.url, b.url]).toEqual(['http://a.ml.svc.cluster.local:80', 'http://b.other.svc.cluster.local:80']);
  });

  test('fromYaml adopts a v1alpha1 seed file as `kaito render` prints it (normalized to v1beta1, with a namespace)', () => {
    for (const file of ['phi-3-mini-inference.yaml', 'phi-3-mini-128k-qlora-tuning.yaml']) {
      const c = chart();
      const ws = KaitoWorkspace.fromYaml(c, 'seed', seedPath(file));
      const expected = seed(file);
      expect(synth(c)).toEqual([
        { ...plain(expected.ws), metadata: { ...expected.ws.metadata, namespace: 'default' } },
      ]);
      expect(synth(c)).toEqual(kaitoRender([seedPath(file)]));
      expect(ws.plan).toEqual(expected.plan);
    }
  });

  test('fromYaml reads YAML text of either version; status is dropped', () => {
    const text = readFileSync(seedPath('phi-3-mini-inference.yaml'), 'utf8')
      .replace('kaito.sh/v1alpha1', 'kaito.sh/v1beta1')
      .concat('status:\n  workerNodes: [a]\n');
    const c = chart();
    KaitoWorkspace.fromYaml(c, 'seed', text);
    expect(synth(c)).toEqual([
      {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'workspace-phi-3-mini', namespace: 'default' },
        resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'phi-3' } } },
        inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      },
    ]);
  });

  test('v1alpha1 without an instance type gets its default made explicit', () => {
    const c = chart();
    const ws = KaitoWorkspace.fromYaml(
      c,
      'w',
      'apiVersion: kaito.sh/v1alpha1\nkind: Workspace\nmetadata: {name: w}\nresource: {labelSelector: {matchLabels: {a: b}}}\ninference: {preset: {name: phi-3-mini-4k-instruct}}\n',
    );
    expect(ws.workspace.resource.instanceType).toBe('Standard_NC24ads_A100_v4');
  });

  test('a bad preset throws the ValidationError with the field path', () => {
    const e = thrown(
      () =>
        new KaitoWorkspace(chart(), 'w', {
          metadata: { name: 'w' },
          resource,
          inference: { preset: { name: 'phi-3-mini-4k-instrukt' } },
        }),
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).problems.map((p) => [p.path, p.severity])).toEqual([
      ['resource.instanceType', 'warning'],
      ['inference.preset.name', 'error'],
    ]);
    expect(e.message).toMatch(
      /^Workspace "w" is invalid:\n {2}inference\.preset\.name: unknown preset "phi-3-mini-4k-instrukt"\. Did you mean "phi-3-mini-4k-instruct"/,
    );
  });

  test('a model that does not fit throws the FitError with the field path', () => {
    const e = thrown(
      () =>
        new KaitoWorkspace(chart(), 'w', {
          metadata: { name: 'w' },
          resource: { ...resource, count: 1 },
          inference: { preset: { name: 'phi-3-medium-128k-instruct' } },
        }),
    );
    expect(e).toBeInstanceOf(FitError);
    const fit = e as FitError;
    expect([fit.path, fit.requiredGpuMemoryGiB, fit.availableGpuMemoryGiB]).toEqual(['resource.count', 41.83, 16]);
    expect(fit.message).toMatch(
      /^Workspace "w": resource\.count: phi-3-medium-128k-instruct needs 41\.83 GiB of GPU memory/,
    );
  });

  test('fromYaml drops what the API server wrote into an exported manifest', () => {
    const exported = {
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: {
        name: 'w',
        namespace: 'ml',
        uid: '0b6c3f8e-4c1e-4c2f-9a55-0d3e1d1f2a3b',
        resourceVersion: '4711',
        generation: 2,
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
        finalizers: ['workspace.finalizer.kaito.sh'],
        labels: { team: 'ml' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'kept' },
      },
      resource,
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      status: { conditions: [] },
    };
    const c = chart();
    KaitoWorkspace.fromYaml(c, 'w', JSON.stringify(exported, null, 2));
    expect(synth(c)).toEqual([
      {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'w', namespace: 'ml', labels: { team: 'ml' }, annotations: { note: 'kept' } },
        resource,
        inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      },
    ]);
  });

  test('without metadata, the name is the generated name of the construct; a failing one leaves nothing', () => {
    const c = chart();
    const ws = new KaitoWorkspace(c, 'phi', { resource, inference: { preset: { name: 'phi-3-mini-4k-instruct' } } });
    expect(ws.name).toBe(Names.toDnsLabel(ws));
    expect(() => new KaitoWorkspace(c, 'bad', { resource, inference: { preset: { name: 'nope' } } })).toThrow(
      ValidationError,
    );
    expect(c.node.children.map((child) => child.node.id)).toEqual(['phi']);
  });

  test('fromYaml reports the file and every problem of an invalid manifest', () => {
    const e = thrown(() => KaitoWorkspace.fromYaml(chart(), 'w', seedPath('README.md')));
    expect(e).toBeInstanceOf(ValidationError);
    const twoDocs = thrown(() =>
      KaitoWorkspace.fromYaml(
        chart(),
        'w',
        `${readFileSync(seedPath('phi-3-mini-inference.yaml'), 'utf8')}---\na: 1\n`,
      ),
    );
    expect(twoDocs.message).toBe('Workspace is invalid:\n  expected exactly one Workspace, found 2 documents');
  });

  test('with an operator, the Workspace comes after the CRD in its chart, or its chart after the operator chart', () => {
    const props = { metadata: { name: 'w' }, resource, inference: { preset: { name: 'phi-3-mini-4k-instruct' } } };
    const c = chart();
    const early = new Construct(c, 'early'); // first in the tree, so first in the output unless ordered
    const operator = new KaitoOperator(c, 'op');
    new KaitoWorkspace(early, 'w', { ...props, operator });
    const manifests = synth(c);
    // The bundle keeps the renderer's order; the Workspace comes after the CRD.
    expect(manifests.filter((m) => m.kind !== 'Workspace')).toEqual(plain(renderOperator()));
    const kinds = manifests.map((m) => m.kind);
    expect(kinds.indexOf('CustomResourceDefinition')).toBeLessThan(kinds.indexOf('Workspace'));

    // Two team charts declared before the platform chart share its operator; the platform is written first.
    const app = Testing.app();
    const teams = [new Chart(app, 'team-a'), new Chart(app, 'team-b')];
    const shared = new KaitoOperator(new Chart(app, 'platform'), 'op');
    for (const team of teams) new KaitoWorkspace(team, 'w', { ...props, operator: shared });
    const files = app.synthYaml();
    expect(files.indexOf('kind: CustomResourceDefinition')).toBeLessThan(files.indexOf('kind: Workspace'));
    app.synth();
    expect(readdirSync(app.outdir).sort()).toEqual([
      '0000-platform.k8s.yaml',
      '0001-team-a.k8s.yaml',
      '0002-team-b.k8s.yaml',
    ]);
  });

  test('the emitted Workspace has only fields of the CRD (schema and cdk8s import of crds/)', () => {
    const c = chart();
    KaitoWorkspace.fromYaml(c, 'a', seedPath('phi-3-mini-inference-with-adapters.yaml'));
    KaitoWorkspace.fromYaml(c, 'b', seedPath('phi-3-mini-128k-qlora-tuning.yaml'));
    const schema = crdSchema('crds/kaito.sh_workspaces.yaml', 'v1beta1');
    for (const manifest of synth(c)) {
      expect(structureProblems(schema, manifest)).toEqual([]);
      // The generated class keeps only the fields it knows: nothing may be lost.
      const { apiVersion: _a, kind: _k, ...props } = manifest;
      expect(WorkspaceV1Beta1.manifest(props as unknown as WorkspaceV1Beta1Props)).toEqual(manifest);
      expect(WorkspaceV1Beta1.GVK).toEqual({ apiVersion: 'kaito.sh/v1beta1', kind: 'Workspace' });
    }
  });
});
