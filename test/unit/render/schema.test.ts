import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkStructure, type Problem } from '../../../src/api';
import type { JSONSchemaProps } from '../../../src/api/schema';
import { renderWorkspace, type KubeObject } from '../../../src/render';
import { SEED_FILES, seed, workspace } from './helpers';

/*
 * Every rendered core object validated offline against the Kubernetes OpenAPI schema (kubernetes-models),
 * and NodeClaims against Karpenter's CRD schema.
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

async function modelFor(o: KubeObject): Promise<ModelClass> {
  switch (`${o.apiVersion}/${o.kind}`) {
    case 'v1/ConfigMap':
      return (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as unknown as ModelClass;
    case 'v1/Service':
      return (await import('kubernetes-models/v1/Service')).Service as unknown as ModelClass;
    case 'apps/v1/StatefulSet':
      return (await import('kubernetes-models/apps/v1/StatefulSet')).StatefulSet as unknown as ModelClass;
    case 'batch/v1/Job':
      return (await import('kubernetes-models/batch/v1/Job')).Job as unknown as ModelClass;
    case 'networking.k8s.io/v1/NetworkPolicy':
      return (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy'))
        .NetworkPolicy as unknown as ModelClass;
    default:
      throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
  }
}

const CASES: Array<[string, () => KubeObject[]]> = [
  ...SEED_FILES.map((file): [string, () => KubeObject[]] => [
    file,
    () => {
      const { ws, plan } = seed(file);
      return renderWorkspace(ws, plan, { ownerUid: '0b7c2a9e-1f3d-4c55-9a1e-2d3f4a5b6c7d' });
    },
  ]),
  [
    'multi-node vLLM with adapters',
    () => {
      const { ws, plan } = workspace({
        resource: { instanceType: 'Standard_NC48ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
        metadata: { name: 'big', namespace: 'ml', annotations: { 'kaito.sh/enablelb': 'True' } },
        inference: {
          preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf' } },
          adapters: [
            { source: { name: 'a', image: 'reg.io/a:1', imagePullSecrets: ['p'] } },
            { source: { name: 'b', volumeSource: { configMap: { name: 'b' } } } },
          ],
        },
      });
      return renderWorkspace(ws, plan);
    },
  ],
  [
    'tuning to a volume from an image',
    () => {
      const { ws, plan } = workspace({
        tuning: {
          preset: { name: 'phi-3-mini-4k-instruct' },
          method: 'lora',
          input: { name: 'd', image: 'reg.io/d:1', imagePullSecrets: ['p'] },
          output: { volumeSource: { persistentVolumeClaim: { claimName: 'out' } } },
        },
      });
      return renderWorkspace(ws, plan);
    },
  ],
];

describe('rendered objects are valid Kubernetes objects', () => {
  test.each(CASES)('%s', async (_name, render) => {
    for (const o of render().filter((x) => !x.apiVersion.startsWith('karpenter.sh/'))) {
      const Model = await modelFor(o);
      expect(() => new Model(o).validate()).not.toThrow();
    }
  });

  test('the validator does catch a broken object', async () => {
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    const sts = renderWorkspace(ws, plan).find((o) => o.kind === 'StatefulSet') as KubeObject;
    const broken = { ...sts, spec: { ...(sts.spec as object), replicas: 'one' } };
    const Model = await modelFor(sts);
    expect(() => new Model(broken).validate()).toThrow();
  });
});

const NODECLAIM_CRD = join(__dirname, '..', '..', 'fixtures', 'crds', 'karpenter.sh_nodeclaims.yaml');

describe('NodeClaims match the Karpenter CRD schema (karpenter.sh/v1)', () => {
  const crd = existsSync(NODECLAIM_CRD)
    ? (parse(readFileSync(NODECLAIM_CRD, 'utf8')) as {
        spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: JSONSchemaProps } }> };
      })
    : undefined;
  const schema = crd?.spec.versions.find((v) => v.name === 'v1')?.schema.openAPIV3Schema;

  test('the CRD fixture is present', () => {
    expect(schema).toBeDefined();
  });

  test.each(CASES)('%s: no structural problem, no unknown field', (_name, render) => {
    const claims = render().filter((o) => o.kind === 'NodeClaim');
    expect(claims.length).toBeGreaterThan(0);
    for (const claim of claims) {
      const problems: Problem[] = checkStructure(schema as JSONSchemaProps, claim);
      expect(problems).toEqual([]);
    }
  });

  test('the checker does report a misspelt field', () => {
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    const claim = renderWorkspace(ws, plan).find((o) => o.kind === 'NodeClaim') as KubeObject;
    const broken = { ...claim, spec: { ...(claim.spec as object), nodeClassReference: {} } };
    expect(checkStructure(schema as JSONSchemaProps, broken).map((p) => p.path)).toContain('spec.nodeClassReference');
  });
});
