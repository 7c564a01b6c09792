import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { formatProblem, type Problem } from '../../src/api';
import { PresetCatalog, SkuCatalog, defaultPresets, defaultSkus, type ModelPreset } from '../../src/catalog';
import { checkWorkspaces, gpuMemoryUtilization } from '../../src/plan';
import {
  ADMISSION_POLICY_NAME,
  KAITO_CATALOG_NAME,
  renderAdmissionPolicy,
  renderAdmissionPolicyBinding,
  renderKaitoCatalog,
  renderKaitoCatalogCrd,
  renderWorkspaceCrd,
} from '../../src/render';
import {
  KubeApiError,
  KubeClient,
  KubeObject,
  REPO_ROOT,
  apiPath,
  applyObject,
  deleteNamespaces,
  ensureNamespace,
  installCrd,
} from './support';

/*
 * The Workspace admission policy on the real API server: what `kaito validate` refuses with the catalog or
 * annotations, the server refuses at apply time (server-side dry run) with the same `path: message`; what it
 * accepts, the server accepts. The suite binds the policy to its own namespaces only (a label selector), so
 * that the other suites, which store such workspaces on purpose, are not affected.
 */

const admin = KubeClient.fromKubeconfig();
const suffix = Date.now().toString(36);
const SUITE_LABEL = 'kaito.sh/admission-suite';
const namespace = `admission-${suffix}`;
const binding = `${ADMISSION_POLICY_NAME}-${suffix}`;
const CORPUS = join(REPO_ROOT, 'test', 'corpus');
const SEEDS = join(REPO_ROOT, 'test', 'fixtures', 'seed');

/** The corpus cases the CRD cannot refuse (catalog or annotations): the policy must. */
const POLICY_CASES = [
  'bad-node-image-family.yaml',
  'bad-runtime-annotation.yaml',
  'explicit-count-does-not-fit.yaml',
  'gated-without-secret.yaml',
  'secret-on-image-preset.yaml',
  'strength-on-vllm.yaml',
  'template-without-containers.yaml',
  'transformers-hf-model.yaml',
  'transformers-not-allowed.yaml',
  'tuning-untunable-preset.yaml',
  'unknown-instance-type.yaml',
  'unknown-preset.yaml',
];
/** Corpus cases that are not Workspace objects (not YAML, not an object, another API version or kind). */
const NOT_A_WORKSPACE = new Set(['not-yaml.yaml', 'not-an-object.yaml', 'wrong-api-version.yaml', 'wrong-kind.yaml']);
const invalid = readdirSync(join(CORPUS, 'invalid')).filter((f) => f.endsWith('.yaml') && !NOT_A_WORKSPACE.has(f));

type Workspace = KubeObject & { metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };

/** What the server said to one write. */
type Verdict =
  | { readonly kind: 'accepted' }
  /** Refused by the admission policy: the message after the policy's prefix. */
  | { readonly kind: 'policy'; readonly message: string }
  /** Refused otherwise (the CRD's schema or CEL): HTTP status and the causes. */
  | { readonly kind: 'other'; readonly status: number; readonly message: string };

const POLICY_PREFIX = new RegExp(
  `^ValidatingAdmissionPolicy '${ADMISSION_POLICY_NAME}' with binding '([^']+)' denied request: (.*)$`,
  's',
);

function verdictOf(e: KubeApiError): Verdict {
  const causes = e.body.details?.causes ?? [];
  const match = causes.length === 1 ? POLICY_PREFIX.exec(causes[0].message ?? '') : null;
  if (match !== null && e.status === 422 && e.body.reason === 'Invalid') return { kind: 'policy', message: match[2] };
  return { kind: 'other', status: e.status, message: e.body.message ?? '' };
}

/** A server-side dry-run create of `object` in `ns` by `client`. */
async function dryRun(object: Workspace, ns = namespace, client = admin): Promise<Verdict> {
  const body = { ...object, metadata: { ...object.metadata, namespace: ns } };
  try {
    await client.create(apiPath(String(object.apiVersion), 'workspaces', { namespace: ns }), body, { dryRun: 'All' });
    return { kind: 'accepted' };
  } catch (e) {
    if (e instanceof KubeApiError) return verdictOf(e);
    throw e;
  }
}

/** `kaito validate`'s first error as `path: message`, without the did-you-mean hint CEL cannot compute. */
function tsVerdict(object: Workspace): string | undefined {
  const errors = checkWorkspaces(object).flatMap((c) => c.problems.filter((p: Problem) => p.severity === 'error'));
  return errors.length === 0 ? undefined : withoutHint(formatProblem(errors[0]));
}
const withoutHint = (message: string) => message.replace(/ Did you mean [^?]*\?/, '');

/** The policy's answer as the same string: the message, or undefined when the workspace is accepted. */
function policyVerdict(v: Verdict): string | undefined {
  if (v.kind === 'accepted') return undefined;
  return v.kind === 'policy' ? v.message : `not the policy: ${v.status} ${v.message}`;
}

const load = (dir: string, file: string): Workspace => parse(readFileSync(join(dir, file), 'utf8')) as Workspace;

function base(extra: Partial<Workspace> = {}): Workspace {
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'case' },
    resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'case' } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    ...extra,
  };
}

/** A copy of the bundle's binding limited to the namespaces labelled `SUITE_LABEL: value`. */
function scopedBinding(name: string, value: string, paramName = KAITO_CATALOG_NAME): KubeObject {
  const b = renderAdmissionPolicyBinding() as KubeObject & { spec: Record<string, unknown> };
  return {
    ...b,
    metadata: { ...b.metadata, name },
    spec: {
      ...b.spec,
      paramRef: { ...(b.spec.paramRef as object), name: paramName },
      matchResources: { namespaceSelector: { matchLabels: { [SUITE_LABEL]: value } } },
    },
  };
}

async function labelledNamespace(name: string, value: string | undefined): Promise<void> {
  await ensureNamespace(admin, name);
  if (value !== undefined) {
    await admin.mergePatch(apiPath('v1', 'namespaces', { name }), { metadata: { labels: { [SUITE_LABEL]: value } } });
  }
}

/** Waits until the policy refuses an unknown preset in `ns` (policies and bindings take effect asynchronously). */
async function enforced(ns: string): Promise<void> {
  const probe = base({ inference: { preset: { name: 'not-a-model' } } });
  await admin.waitFor(async () => (await dryRun(probe, ns)).kind === 'policy', 30_000, 200);
}

beforeAll(async () => {
  await installCrd(admin, renderWorkspaceCrd() as KubeObject);
  await installCrd(admin, renderKaitoCatalogCrd() as KubeObject);
  // The policy is type-checked once, against the schemas the API server publishes then: wait until the
  // Workspace schema of both versions is in its OpenAPI document (published a moment after Established).
  for (const version of ['v1alpha1', 'v1beta1']) {
    await admin.waitFor(
      () =>
        admin.get<{ components?: { schemas?: Record<string, unknown> } }>(`/openapi/v3/apis/kaito.sh/${version}`).then(
          (r) => Object.keys(r.body.components?.schemas ?? {}).some((k) => k === `sh.kaito.${version}.Workspace`),
          () => false,
        ),
      30_000,
    );
  }
  await applyObject(admin, renderKaitoCatalog() as KubeObject);
  await applyObject(admin, renderAdmissionPolicy() as KubeObject);
  await applyObject(admin, scopedBinding(binding, suffix));
  await labelledNamespace(namespace, suffix);
  await enforced(namespace);
});

afterAll(async () => {
  const path = apiPath('admissionregistration.k8s.io/v1', 'validatingadmissionpolicybindings');
  for (const name of [binding, `${binding}-missing`]) await admin.delete(`${path}/${name}`).catch(() => undefined);
  const namespaces = ['admission', 'admission-extended', 'admission-noparams', 'admission-later'];
  await deleteNamespaces(
    admin,
    namespaces.map((n) => `${n}-${suffix}`),
  );
});

describe('the policy installs', () => {
  test('it compiles; type checking against the Workspace schema warns only where the rules read by presence', async () => {
    const path = apiPath('admissionregistration.k8s.io/v1', 'validatingadmissionpolicies', {
      name: ADMISSION_POLICY_NAME,
    });
    type Status = { typeChecking?: { expressionWarnings?: Array<{ fieldRef: string; warning: string }> } };
    // The type checker runs in the background after the policy is stored.
    const status = await admin.waitFor(async () => {
      const { body } = await admin.get<KubeObject & { status?: Status }>(path);
      return body.status?.typeChecking;
    }, 60_000);
    // v1alpha1 has no modelAccessSecret and a pod template has no schema: the rules test them with has() and
    // type(), which the cases above prove at run time.
    const warnings = (status.expressionWarnings ?? []).map((w) => [
      w.fieldRef,
      [...w.warning.matchAll(/(kaito\.sh\/v1\w+), Kind=Workspace/g)].map((m) => m[1]),
      [...new Set([...w.warning.matchAll(/undefined field '(\w+)'/g)].map((m) => m[1]))],
    ]);
    expect(warnings).toEqual([
      ['spec.validations[6].expression', ['kaito.sh/v1alpha1'], ['modelAccessSecret']],
      ['spec.validations[7].expression', ['kaito.sh/v1alpha1'], ['modelAccessSecret']],
      ['spec.validations[8].expression', ['kaito.sh/v1alpha1', 'kaito.sh/v1beta1'], ['spec']],
    ]);
  });
});

describe('the bad-input corpus through server-side dry run', () => {
  test("every case the CRD cannot refuse is refused by the policy with kaito validate's path and message", async () => {
    const byPolicy: string[] = [];
    for (const file of invalid) {
      const object = load(join(CORPUS, 'invalid'), file);
      const verdict = await dryRun(object);
      expect([file, verdict.kind]).not.toEqual([file, 'accepted']);
      if (verdict.kind === 'policy') {
        byPolicy.push(file);
        expect([file, verdict.message]).toEqual([file, tsVerdict(object)]);
      }
    }
    expect(byPolicy).toEqual(POLICY_CASES);
  });

  test.each(invalid)('the valid twin of %s is accepted', async (file) => {
    expect(await dryRun(load(join(CORPUS, 'valid'), file))).toEqual({ kind: 'accepted' });
  });

  test.each(readdirSync(SEEDS).filter((f) => f.endsWith('.yaml')))('seed %s is accepted', async (file) => {
    expect(await dryRun(load(SEEDS, file))).toEqual({ kind: 'accepted' });
  });
});

/** Runs `work` over `items`, `width` at a time, in order of the results. */
async function pooled<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
      }
    }),
  );
  return out;
}

/** One instance type per distinct shape (GPUs per node, memory per GPU, vLLM memory fraction). */
const SKU_SHAPES = [
  ...new Map(
    defaultSkus.list().map((s) => [`${s.gpuCount}x${s.gpuMemoryPerGpuGiB}x${gpuMemoryUtilization(s)}`, s.name]),
  ).values(),
];

/** Every preset on every shape: vLLM sized by the planner, vLLM with count 1, transformers; tuning both ways. */
function matrix(): Array<[string, Workspace]> {
  const cases: Array<[string, Workspace]> = [];
  for (const preset of defaultPresets.list()) {
    for (const instanceType of SKU_SHAPES) {
      const resource = { instanceType, labelSelector: { matchLabels: { apps: 'case' } } };
      const inference = { preset: { name: preset.name } };
      cases.push([`${preset.name} on ${instanceType}`, base({ resource, inference })]);
      cases.push([
        `${preset.name} on ${instanceType}, count 1`,
        base({ resource: { ...resource, count: 1 }, inference }),
      ]);
      cases.push([
        `${preset.name} on ${instanceType}, transformers`,
        base({
          metadata: { name: 'case', annotations: { 'kaito.sh/runtime': 'transformers' } },
          resource,
          inference,
        }),
      ]);
      if (preset.tuning === undefined) continue;
      for (const method of ['lora', 'qlora']) {
        cases.push([
          `${method} tuning of ${preset.name} on ${instanceType}`,
          base({
            resource,
            inference: undefined,
            tuning: {
              preset: { name: preset.name },
              method,
              input: { urls: ['https://example.com/data.parquet'] },
              output: { image: 'registry.example.com/out:1', imagePushSecret: 'push' },
            },
          }),
        ]);
      }
    }
  }
  return cases;
}

const hostile = (value: string) => base({ metadata: { name: 'case', annotations: { 'kaito.sh/runtime': value } } });

/** Names, annotations and combinations the corpus does not spell out. */
const SPECIAL: Array<[string, Workspace]> = [
  [
    'a preset named in another case, with spaces',
    base({ inference: { preset: { name: '  Phi-3-Mini-4K-Instruct ' } } }),
  ],
  ['a Hugging Face ID of the catalog, in another case', base({ inference: { preset: { name: 'MICROSOFT/phi-4' } } })],
  ['a Hugging Face ID outside the catalog', base({ inference: { preset: { name: 'acme/model-x' } } })],
  ['a name with a quote and a backslash', base({ inference: { preset: { name: 'phi"3\\x' } } })],
  ['a runtime annotation that is empty', hostile('')],
  ['a runtime annotation in upper case', hostile('VLLM')],
  ['a runtime annotation with a quote, a backslash, a tab and a newline', hostile('a"b\\c\td\ne')],
  [
    'an unknown instance type in lower case of a known one',
    base({ resource: { instanceType: 'standard_nc24ads_a100_v4', labelSelector: { matchLabels: { apps: 'case' } } } }),
  ],
  [
    'an unknown instance type',
    base({ resource: { instanceType: 'Standard_ZZ1', labelSelector: { matchLabels: { apps: 'case' } } } }),
  ],
  [
    'bring-your-own nodes with a big model',
    base({
      resource: { labelSelector: { matchLabels: { apps: 'case' } } },
      inference: { preset: { name: 'llama-3.3-70b-instruct' } },
    }),
  ],
  [
    'adapters on a model vLLM cannot load them for (falcon-7b)',
    base({
      inference: {
        preset: { name: 'falcon-7b' },
        adapters: [{ source: { name: 'a', image: 'registry.example.com/a:1' } }],
      },
    }),
  ],
  [
    'the second adapter has a strength on vLLM',
    base({
      inference: {
        preset: { name: 'phi-3-mini-4k-instruct' },
        adapters: [
          { source: { name: 'a', image: 'registry.example.com/a:1' }, strength: '1.0' },
          { source: { name: 'b', image: 'registry.example.com/b:1' }, strength: '.5' },
        ],
      },
    }),
  ],
  [
    'a gated model in v1alpha1 (no modelAccessSecret there)',
    { ...base({ inference: { preset: { name: 'llama-3.1-8b-instruct' } } }), apiVersion: 'kaito.sh/v1alpha1' },
  ],
  [
    'a gated model with its secret',
    base({ inference: { preset: { name: 'llama-3.1-8b-instruct', presetOptions: { modelAccessSecret: 'hf' } } } }),
  ],
  ['a template whose spec is not an object', base({ inference: { template: { spec: 'x' } } })],
  [
    'bypass-resource-checks: an unknown instance type',
    base({
      metadata: { name: 'case', annotations: { 'kaito.sh/bypass-resource-checks': 'true' } },
      resource: { instanceType: 'Standard_ZZ1', labelSelector: { matchLabels: { apps: 'case' } } },
    }),
  ],
  [
    'bypass-resource-checks: a count that does not fit',
    base({
      metadata: { name: 'case', annotations: { 'kaito.sh/bypass-resource-checks': '' } },
      resource: { instanceType: 'Standard_NC6s_v3', count: 1, labelSelector: { matchLabels: { apps: 'case' } } },
      inference: { preset: { name: 'phi-3-medium-128k-instruct' } },
    }),
  ],
  [
    'bypass-resource-checks does not skip the preset check',
    base({
      metadata: { name: 'case', annotations: { 'kaito.sh/bypass-resource-checks': 'true' } },
      inference: { preset: { name: 'phi-7-mega' } },
    }),
  ],
  [
    'a template with containers',
    base({ inference: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
  ],
];

describe('kaito validate, the CRD and the policy agree, case by case', () => {
  test('every preset on every instance-type shape, on vLLM, with count 1, on transformers and tuning', async () => {
    const cases = matrix();
    expect(cases.length).toBeGreaterThan(5000);
    const verdicts = await pooled(cases, 6, ([, object]) => dryRun(object));
    const disagreements = cases
      .map(([label, object], i) => ({ label, ts: tsVerdict(object), server: policyVerdict(verdicts[i]) }))
      .filter((c) => c.ts !== c.server);
    expect(disagreements).toEqual([]);
    // Both outcomes occur: the matrix is not all-accepted or all-refused.
    const refused = verdicts.filter((v) => v.kind === 'policy').length;
    expect([refused > 500, cases.length - refused > 500]).toEqual([true, true]);
  }, 600_000);

  test.each(SPECIAL)('%s', async (_label, object) => {
    expect(policyVerdict(await dryRun(object))).toEqual(tsVerdict(object));
  });
});

describe('extending the catalog is applying data', () => {
  const ns = `admission-extended-${suffix}`;
  const { huggingFaceId: _unused, ...phi4 } = defaultPresets.find('phi-4')!;
  const custom: ModelPreset[] = [
    { ...phi4, name: 'acme-llm', aliases: ['acme'], source: 'custom' },
    { ...phi4, name: 'old-llm', aliases: [], source: 'custom', deprecated: true },
  ];
  const presets = new PresetCatalog([...defaultPresets.list(), ...custom]);
  const a100 = defaultSkus.find('Standard_NC24ads_A100_v4')!;
  // Half a GiB per GPU: the messages print a fraction as the validator does.
  const odd = {
    ...a100,
    name: 'Custom_GPU_22',
    gpuMemoryPerGpuGiB: 22.5,
    totalGpuMemoryGiB: 22.5,
    gpuModel: 'Acme G1',
  };
  const skus = new SkuCatalog([...defaultSkus.list(), odd]);
  const catalogName = `extended-${suffix}`;

  beforeAll(async () => {
    const extended = renderKaitoCatalog({ presets, skus });
    await applyObject(admin, { ...extended, metadata: { ...extended.metadata, name: catalogName } } as KubeObject);
    await applyObject(admin, scopedBinding(`${binding}-extended`, `${suffix}-extended`, catalogName));
    await labelledNamespace(ns, `${suffix}-extended`);
    await enforced(ns);
  });
  afterAll(async () => {
    const path = apiPath('admissionregistration.k8s.io/v1', 'validatingadmissionpolicybindings');
    await admin.delete(`${path}/${binding}-extended`).catch(() => undefined);
  });

  const on = (preset: string, instanceType: string, extra: Partial<Workspace> = {}) =>
    base({
      resource: { instanceType, labelSelector: { matchLabels: { apps: 'case' } } },
      inference: { preset: { name: preset } },
      ...extra,
    });
  const cases: Array<[string, Workspace]> = [
    ['a registered preset on a registered instance type', on('acme-llm', 'Custom_GPU_22')],
    ['its alias', on('ACME', 'Standard_NC24ads_A100_v4')],
    [
      'a count that does not fit the registered instance type',
      on('acme-llm', 'Custom_GPU_22', {
        resource: { instanceType: 'Custom_GPU_22', count: 1, labelSelector: { matchLabels: { apps: 'case' } } },
      }),
    ],
    [
      'transformers on the registered instance type',
      on('acme-llm', 'Custom_GPU_22', {
        metadata: { name: 'case', annotations: { 'kaito.sh/runtime': 'transformers' } },
      }),
    ],
    ['a deprecated registered preset', on('old-llm', 'Standard_NC24ads_A100_v4')],
  ];

  test.each(cases)('%s: the policy says what kaito validate says with the same registrations', async (_l, object) => {
    const ts = checkWorkspaces(object, { presets, skus })
      .flatMap((c) => c.problems.filter((p) => p.severity === 'error'))
      .map((p) => withoutHint(formatProblem(p)))[0];
    expect(policyVerdict(await dryRun(object, ns))).toEqual(ts);
  });

  test('the same workspace is refused where the binding reads the default catalog', async () => {
    expect(await dryRun(on('acme-llm', 'Standard_NC24ads_A100_v4'))).toEqual({
      kind: 'policy',
      message:
        'inference.preset.name: unknown preset "acme-llm". Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
    });
    expect(await dryRun(on('acme-llm', 'Standard_NC24ads_A100_v4'), ns)).toEqual({ kind: 'accepted' });
  });
});

describe('custom pod templates and volumes need the right to create pods', () => {
  const account = `author-${suffix}`;
  let author: KubeClient;
  const rbac = (kind: string, plural: string, body: object) =>
    applyObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind, ...body } as KubeObject, namespace).then(
      () => plural,
    );

  beforeAll(async () => {
    await admin.create(apiPath('v1', 'serviceaccounts', { namespace }), { metadata: { name: account } });
    await rbac('Role', 'roles', {
      metadata: { name: 'workspace-author', namespace },
      rules: [{ apiGroups: ['kaito.sh'], resources: ['workspaces'], verbs: ['create', 'get', 'list'] }],
    });
    await rbac('RoleBinding', 'rolebindings', {
      metadata: { name: 'workspace-author', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'workspace-author' },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
    });
    const { body } = await admin.create<{ status: { token: string } }>(
      apiPath('v1', 'serviceaccounts', { namespace, name: account, subresource: 'token' }),
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    );
    author = admin.withToken(body.status.token);
  });

  const template = base({ inference: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } });
  const volumeInput = base({
    inference: undefined,
    tuning: {
      preset: { name: 'phi-3-mini-4k-instruct' },
      method: 'qlora',
      input: { volumeSource: { persistentVolumeClaim: { claimName: 'data' } } },
      output: { image: 'registry.example.com/out:1', imagePushSecret: 'push' },
    },
  });
  const volumeAdapter = base({
    inference: {
      preset: { name: 'phi-3-mini-4k-instruct' },
      adapters: [
        { source: { name: 'a', image: 'registry.example.com/a:1' } },
        { source: { name: 'b', volumeSource: { persistentVolumeClaim: { claimName: 'b' } } } },
      ],
    },
  });
  const refusal = (path: string) => ({
    kind: 'policy',
    message:
      `${path}: needs the right to create pods in namespace ${namespace} yourself (a pod template or a volumeSource ` +
      'runs pods that the reconciler creates for you); ask for create on pods there, or use a preset with an image or URL data',
  });

  test('a ServiceAccount that may create workspaces but not pods: a preset workspace is accepted', async () => {
    expect(await dryRun(base(), namespace, author)).toEqual({ kind: 'accepted' });
  });

  test.each([
    ['a pod template', template, 'inference.template'],
    ['a tuning input volume', volumeInput, 'tuning.input.volumeSource'],
    ['an adapter volume (the second adapter)', volumeAdapter, 'inference.adapters[1].source.volumeSource'],
  ])('%s is refused, naming the field', async (_label, object, path) => {
    expect(await dryRun(object, namespace, author)).toEqual(refusal(path));
    // Whoever may create pods there (the admin) is not refused.
    expect(await dryRun(object)).toEqual({ kind: 'accepted' });
  });

  test('once it may create pods in the namespace, the pod template is accepted', async () => {
    await rbac('Role', 'roles', {
      metadata: { name: 'pod-author', namespace },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }],
    });
    await rbac('RoleBinding', 'rolebindings', {
      metadata: { name: 'pod-author', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-author' },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
    });
    const verdict = await admin.waitFor(async () => {
      const v = await dryRun(template, namespace, author);
      return v.kind === 'accepted' ? v : undefined;
    }, 30_000);
    expect(verdict).toEqual({ kind: 'accepted' });
  });
});

describe('failure modes', () => {
  test('without its KaitoCatalog the binding refuses every Workspace write (fail closed)', async () => {
    const ns = `admission-noparams-${suffix}`;
    await applyObject(admin, scopedBinding(`${binding}-missing`, `${suffix}-missing`, `absent-${suffix}`));
    await labelledNamespace(ns, `${suffix}-missing`);
    const verdict = await admin.waitFor(async () => {
      const v = await dryRun(base(), ns);
      return v.kind === 'policy' ? v : undefined;
    }, 30_000);
    expect(verdict).toEqual({
      kind: 'policy',
      message: 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction',
    });
  });

  test("a message over the 5 KiB the API server allows falls back to the rule's fixed message", async () => {
    const long = hostile('x'.repeat(6000));
    expect(await dryRun(long)).toEqual({
      kind: 'policy',
      message: 'metadata.annotations[kaito.sh/runtime]: unsupported value: supported values: "vllm", "transformers"',
    });
  });

  test('the largest workspace the CRD allows is judged within the CEL cost budget', async () => {
    // Ten adapters with strengths, long names, many annotations: the rules that iterate see their maximum.
    const annotations = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`example.com/a${i}`, 'v'.repeat(200)]),
    );
    const adapters = Array.from({ length: 10 }, (_, i) => ({
      source: { name: `adapter-${i}`.padEnd(56, 'x'), image: `registry.example.com/${'a'.repeat(400)}:${i}` },
      strength: i === 9 ? '0.5' : '1.0',
    }));
    const object = base({
      metadata: { name: 'case', annotations },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' }, adapters },
    });
    expect(await dryRun(object)).toEqual({
      kind: 'policy',
      message: `inference.adapters[9].strength: ${tsVerdict(object)!.split('.strength: ')[1]}`,
    });
    expect(tsVerdict(object)).toMatch(/^inference\.adapters\[9\]\.strength: /);
  });
});

describe('updates', () => {
  const ns = `admission-later-${suffix}`;
  const path = () => apiPath('kaito.sh/v1beta1', 'workspaces', { namespace: ns, name: 'stored' });
  const stored = base({ metadata: { name: 'stored' }, inference: { preset: { name: 'phi-7-mega' } } });

  beforeAll(async () => {
    // Stored before the policy covered its namespace (as in a cluster that had no policy).
    await labelledNamespace(ns, undefined);
    await admin.create(apiPath('kaito.sh/v1beta1', 'workspaces', { namespace: ns }), {
      ...stored,
      metadata: { name: 'stored', namespace: ns },
    });
    await admin.mergePatch(apiPath('v1', 'namespaces', { name: ns }), {
      metadata: { labels: { [SUITE_LABEL]: suffix } },
    });
    await enforced(ns);
  });

  async function patch(body: object): Promise<Verdict> {
    try {
      await admin.mergePatch(path(), body);
      return { kind: 'accepted' };
    } catch (e) {
      if (e instanceof KubeApiError) return verdictOf(e);
      throw e;
    }
  }

  test('a change the rules do not read (a finalizer, a label) is not checked', async () => {
    expect(await patch({ metadata: { finalizers: ['example.com/hold'], labels: { team: 'a' } } })).toEqual({
      kind: 'accepted',
    });
  });

  test('a change they read (an annotation) is, and says what is wrong', async () => {
    expect(await patch({ metadata: { annotations: { 'kaito.sh/runtime': 'vllm' } } })).toEqual({
      kind: 'policy',
      message: withoutHint(tsVerdict(stored)!),
    });
  });

  test('a workspace being deleted can always lose its finalizer', async () => {
    await admin.delete(path());
    expect(await patch({ metadata: { finalizers: null } })).toEqual({ kind: 'accepted' });
    await expect(admin.get(path())).rejects.toMatchObject({ status: 404 });
  });
});
