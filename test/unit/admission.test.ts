import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { JSONSchemaProps } from '../../src/api/schema';
import { checkStructure } from '../../src/api/structural';
import { defaultPresets, defaultSkus, registerPreset, registerSku, type ModelPreset } from '../../src/catalog';
import {
  ADMISSION_POLICY_NAME,
  KAITO_CATALOG_NAME,
  kaitoCatalogSchema,
  kaitoCatalogSpec,
  renderAdmissionPolicy,
  renderAdmissionPolicyBinding,
  renderKaitoCatalog,
  renderKaitoCatalogCrd,
  renderKaitoCatalogCrdYaml,
  renderOperator,
} from '../../src/render';
import { CATALOG_CRD_YAML_HEADER } from '../../src/render/kaito-catalog-crd';

const ROOT = join(__dirname, '..', '..');

interface Policy {
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    paramKind: object;
    matchConstraints: object;
    matchConditions: Array<{ name: string; expression: string }>;
    variables: Array<{ name: string; expression: string }>;
    validations: Array<{ expression: string; message: string; messageExpression: string }>;
  };
}
const policy = renderAdmissionPolicy() as unknown as Policy;

describe('crds/kaito.sh_kaitocatalogs.yaml', () => {
  it('is up to date (regenerate it with: npm run gen:crds)', () => {
    expect(readFileSync(join(ROOT, 'crds', 'kaito.sh_kaitocatalogs.yaml'), 'utf8')).toBe(renderKaitoCatalogCrdYaml());
  });

  it('is the CRD under a header comment', () => {
    const text = renderKaitoCatalogCrdYaml();
    expect(text.startsWith(CATALOG_CRD_YAML_HEADER)).toBe(true);
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(renderKaitoCatalogCrd())));
  });
});

describe('the KaitoCatalog CRD', () => {
  const crd = renderKaitoCatalogCrd() as unknown as {
    metadata: { name: string };
    spec: {
      group: string;
      scope: string;
      names: object;
      versions: Array<{ name: string; served: boolean; storage: boolean }>;
    };
  };

  it('is cluster-scoped kaito.sh KaitoCatalog, one version served and stored', () => {
    expect(crd.metadata.name).toBe('kaitocatalogs.kaito.sh');
    expect([crd.spec.group, crd.spec.scope]).toEqual(['kaito.sh', 'Cluster']);
    expect(crd.spec.names).toEqual({
      kind: 'KaitoCatalog',
      listKind: 'KaitoCatalogList',
      plural: 'kaitocatalogs',
      singular: 'kaitocatalog',
      categories: ['kaito'],
    });
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
  });

  it('bounds every map, list and string (the API server sizes CEL costs from them)', () => {
    const unbounded: string[] = [];
    const walk = (s: JSONSchemaProps, path: string): void => {
      if (s.type === 'string' && s.enum === undefined && s.maxLength === undefined && path.startsWith('.spec'))
        unbounded.push(path);
      if (s.type === 'array' && s.maxItems === undefined) unbounded.push(path);
      if (s.type === 'object' && typeof s.additionalProperties === 'object' && s.maxProperties === undefined)
        unbounded.push(path);
      for (const [k, child] of Object.entries(s.properties ?? {})) walk(child, `${path}.${k}`);
      if (s.items !== undefined) walk(s.items, `${path}[]`);
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}{}`);
    };
    walk(kaitoCatalogSchema(), '');
    expect(unbounded).toEqual([]);
  });
});

describe('the KaitoCatalog object', () => {
  const catalog = renderKaitoCatalog();
  const spec = kaitoCatalogSpec();

  it('is the cluster-scoped object the binding names', () => {
    expect([catalog.apiVersion, catalog.kind, catalog.metadata.name, catalog.metadata.namespace]).toEqual([
      'kaito.sh/v1alpha1',
      'KaitoCatalog',
      KAITO_CATALOG_NAME,
      undefined,
    ]);
    expect(catalog.spec).toEqual(spec);
  });

  it('passes its own schema', () => {
    expect(checkStructure(kaitoCatalogSchema(), JSON.parse(JSON.stringify(catalog)) as object, '')).toEqual([]);
  });

  it('holds every preset and instance type, keyed in lower case', () => {
    expect(Object.keys(spec.presets)).toHaveLength(defaultPresets.list().length);
    expect(Object.keys(spec.skus)).toHaveLength(defaultSkus.list().length);
    for (const p of defaultPresets.list()) {
      for (const name of [p.name, ...p.aliases, ...(p.huggingFaceId ? [p.huggingFaceId] : [])]) {
        expect([name, spec.presets[spec.presetNames[name.toLowerCase()]]?.name]).toEqual([name, p.name]);
      }
    }
    expect(spec.tunablePresets).toEqual(
      defaultPresets
        .list()
        .filter((p) => p.tuning !== undefined)
        .map((p) => p.name),
    );
  });

  it('says what the rules and the fit check read, exactly', () => {
    expect(spec.presets['phi-3-medium-128k-instruct']).toEqual({
      name: 'phi-3-medium-128k-instruct',
      defaultRuntime: 'vllm',
      transformersAllowed: true,
      vllmLoraAllowed: true,
      distributedAllowed: true,
      tunable: true,
      gated: false,
      downloadAtRuntime: true,
      deprecated: false,
      weightsGiB: 26,
      kvBytesPerToken: 204800,
      // Hand-checked: LoRA needs 26 + 1.04 + 3 = 30.04 GiB (one A10, 22.8 usable, is too small), QLoRA 11.19 GiB,
      // transformers 26 x 1.02 + 2 x 2.3 = 31.12 GiB on two A10s (48 GiB).
      instanceTypesThatFit: {
        vllm: ['Standard_NV72ads_A10_v5', 'Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5'],
        transformers: ['Standard_NV72ads_A10_v5', 'Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5'],
        lora: ['Standard_NV72ads_A10_v5', 'Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5'],
        qlora: ['Standard_NV36ads_A10_v5', 'Standard_NV72ads_A10_v5', 'Standard_NC24ads_A100_v4'],
      },
    });
    expect(spec.skus['standard_nv36ads_a10_v5']).toEqual({
      name: 'Standard_NV36ads_A10_v5',
      gpuCount: 1,
      gpuMemoryPerGpuGiB: 24,
      totalGpuMemoryGiB: 24,
      gpuModel: 'NVIDIA A10',
      gpuMemoryUtilization: 0.82,
    });
  });

  it('the operator bundle carries registerPreset and registerSku registrations', () => {
    const { huggingFaceId: _ignored, ...phi4 } = defaultPresets.find('phi-4')!;
    const custom: ModelPreset = { ...phi4, name: 'acme-llm', aliases: ['acme'], source: 'custom' };
    registerPreset(custom);
    registerSku({ ...defaultSkus.find('Standard_NC6s_v3')!, name: 'Acme_GPU_1' });
    const inBundle = renderOperator().find((o) => o.kind === 'KaitoCatalog')!.spec as ReturnType<
      typeof kaitoCatalogSpec
    >;
    expect([
      inBundle.presetNames['acme'],
      inBundle.presets['acme-llm']?.name,
      inBundle.skus['acme_gpu_1']?.name,
    ]).toEqual(['acme-llm', 'acme-llm', 'Acme_GPU_1']);
  });
});

describe('the ValidatingAdmissionPolicy', () => {
  it('matches Workspace creates and updates of both versions, reads the KaitoCatalog, fails closed', () => {
    expect(policy.metadata.name).toBe(ADMISSION_POLICY_NAME);
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.paramKind).toEqual({ apiVersion: 'kaito.sh/v1alpha1', kind: 'KaitoCatalog' });
    expect(policy.spec.matchConstraints).toEqual({
      resourceRules: [
        {
          apiGroups: ['kaito.sh'],
          apiVersions: ['v1alpha1', 'v1beta1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['workspaces'],
        },
      ],
    });
    expect(policy.spec.matchConditions.map((c) => c.name)).toEqual(['changes-what-the-rules-read']);
  });

  it('declares each variable before the expressions that read it', () => {
    const declared = new Set<string>();
    for (const v of policy.spec.variables) {
      const used = [...v.expression.matchAll(/variables\.(\w+)/g)].map((m) => m[1]);
      expect([v.name, used.filter((u) => !declared.has(u))]).toEqual([v.name, []]);
      declared.add(v.name);
    }
    const read = policy.spec.validations.flatMap((x) =>
      [...`${x.expression} ${x.messageExpression}`.matchAll(/variables\.(\w+)/g)].map((m) => m[1]),
    );
    expect(read.filter((r) => !declared.has(r))).toEqual([]);
  });

  it('has one validation per rule, each with a fixed message naming the field for when its expression cannot say', () => {
    expect(policy.spec.validations.map((v) => v.message.split(':')[0])).toEqual([
      'metadata.annotations[kaito.sh/runtime]',
      'metadata.annotations[kaito.sh/node-image-family]',
      'resource.instanceType',
      'unknown preset; kaito presets lists them',
      'the model is deprecated and no longer supported',
      'metadata.annotations[kaito.sh/runtime]',
      'inference.preset.presetOptions.modelAccessSecret',
      'inference.preset.presetOptions.modelAccessSecret',
      'inference.template.spec.containers',
      'inference.adapters',
      'inference.adapters',
      'tuning.preset.name',
      'resource.instanceType',
      'resource.instanceType',
      'the model does not fit in the GPU memory of the nodes',
      'a pod template or a volumeSource needs the right to create pods in the namespace yourself',
    ]);
    // The authorizer is only available to validations, not to message expressions.
    expect(policy.spec.validations.filter((v) => v.messageExpression.includes('authorizer'))).toEqual([]);
    expect(policy.spec.validations.at(-1)!.expression).toContain(
      "authorizer.group('').resource('pods').namespace(request.namespace).check('create').allowed()",
    );
  });

  it('messages stay on one line (the API server drops a message with a line break)', () => {
    for (const v of policy.spec.validations) expect(v.message).not.toContain('\n');
  });
});

describe('the binding', () => {
  it('binds every namespace to the default KaitoCatalog, refusing writes while it is missing', () => {
    expect(renderAdmissionPolicyBinding()).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: ADMISSION_POLICY_NAME, labels: { 'app.kubernetes.io/part-of': 'kaito-constructs' } },
      spec: {
        policyName: ADMISSION_POLICY_NAME,
        paramRef: { name: 'default', parameterNotFoundAction: 'Deny' },
        validationActions: ['Deny'],
      },
    });
  });
});
