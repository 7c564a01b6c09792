import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { MSG } from '../../src/api';
import { checkWorkspaces } from '../../src/plan';
import { renderWorkspaceCrd } from '../../src/render';
import { URL_CASES } from '../fixtures/url-cases';
import {
  KubeApiError,
  KubeClient,
  KubeObject,
  REPO_ROOT,
  apiPath,
  deleteNamespaces,
  ensureNamespace,
  installCrd,
} from './support';

/*
 * The bad-input corpus against the API server: what the CRD's schema and CEL rules can say, the server
 * says with the same field and meaning as `kaito validate`. Rules that need the model and SKU catalogs or
 * annotations (which CEL cannot read) cannot live in the CRD without a webhook: the server stores those
 * workspaces and the reconciler reports the problem in their status.
 */

const admin = KubeClient.fromKubeconfig();
const suffix = Date.now().toString(36);
const namespace = `validation-${suffix}`;
const CORPUS = join(REPO_ROOT, 'test', 'corpus');

/** Corpus cases only the TypeScript validator (and so the reconciler's status) catches, and why. */
const CATALOG_OR_ANNOTATION_RULES: Record<string, string> = {
  'bad-node-image-family.yaml': 'annotation',
  'bad-runtime-annotation.yaml': 'annotation',
  'explicit-count-does-not-fit.yaml': 'catalog (GPU memory)',
  'gated-without-secret.yaml': 'catalog (gated models)',
  'secret-on-image-preset.yaml': 'catalog (weights delivery)',
  'strength-on-vllm.yaml': 'annotation (runtime)',
  'template-without-containers.yaml': 'schemaless pod template',
  'transformers-hf-model.yaml': 'annotation (runtime) and catalog',
  'transformers-not-allowed.yaml': 'annotation (runtime) and catalog',
  'tuning-untunable-preset.yaml': 'catalog (tuning support)',
  'unknown-instance-type.yaml': 'catalog (SKUs)',
  'unknown-preset.yaml': 'catalog (presets)',
};
/** Corpus cases that are not Workspace objects at all (not YAML, not an object, another API version). */
const NOT_A_WORKSPACE = new Set(['not-yaml.yaml', 'not-an-object.yaml', 'wrong-api-version.yaml']);

const invalid = readdirSync(join(CORPUS, 'invalid')).filter((f) => f.endsWith('.yaml'));
const serverEnforced = invalid.filter((f) => !(f in CATALOG_OR_ANNOTATION_RULES) && !NOT_A_WORKSPACE.has(f));

const normalize = (text: string) => text.toLowerCase().replace(/"/g, '');

/** The corpus document with a unique name (unless the case is about the name), in the suite's namespace. */
function load(
  dir: 'invalid' | 'valid',
  file: string,
): { object: KubeObject & { metadata: { name: string } }; text: string } {
  const text = readFileSync(join(CORPUS, dir, file), 'utf8');
  const object = parse(text) as KubeObject & { metadata: { name: string } };
  const name = file.startsWith('name-') ? object.metadata.name : `${file.replace('.yaml', '')}-${dir}`.slice(0, 63);
  return { object: { ...object, metadata: { ...object.metadata, name, namespace } }, text };
}

function workspacesPath(object: KubeObject): string {
  return apiPath(String(object.apiVersion), 'workspaces', { namespace });
}

async function createError(object: KubeObject): Promise<KubeApiError> {
  try {
    await admin.create(workspacesPath(object), object);
  } catch (e) {
    if (e instanceof KubeApiError) return e;
    throw e;
  }
  throw new Error(`the API server stored ${object.metadata?.name}`);
}

beforeAll(async () => {
  await installCrd(admin, renderWorkspaceCrd() as KubeObject);
  await ensureNamespace(admin, namespace);
});

// What the suite stored goes with it: no reconciler here, so nothing holds it.
afterAll(() => deleteNamespaces(admin, [namespace]));

describe('the corpus against the API server', () => {
  test('the split is explicit: server-enforced cases are most of the corpus', () => {
    expect(serverEnforced.length).toBe(invalid.length - 12 - 3);
    for (const f of Object.keys(CATALOG_OR_ANNOTATION_RULES)) expect(invalid).toContain(f);
  });

  test.each(serverEnforced)('%s is rejected with the field and meaning kaito validate gives', async (file) => {
    const { object, text } = load('invalid', file);
    const expected = /^# expect: (.*?) :: (.*)$/m.exec(text)!;
    const [tsPath, meaning] = [expected[1], expected[2]];
    const ts = checkWorkspaces(text).flatMap((c) => c.problems.filter((p) => p.severity === 'error'));
    expect(ts.map((p) => p.path)).toEqual([tsPath]);

    const error = await createError(object);
    expect(error.status).toBe(422);
    const causes = error.body?.details?.causes ?? [];
    // The cause that carries the meaning; the server's field is the TS path or one of its parents ('<nil>' = root).
    const cause = causes.find((c) => normalize(c.message ?? '').includes(normalize(meaning)));
    expect([file, cause !== undefined]).toEqual([file, true]);
    const field = cause!.field === '<nil>' ? '' : cause!.field!;
    const related =
      tsPath === field || tsPath.startsWith(`${field}.`) || tsPath.startsWith(`${field}[`) || field === '';
    expect([file, field, tsPath, related]).toEqual([file, field, tsPath, true]);
    expect(normalize(ts[0].message)).toContain(normalize(meaning));
  });

  test.each(Object.keys(CATALOG_OR_ANNOTATION_RULES))(
    '%s needs the catalog or annotations: stored, flagged by kaito validate',
    async (file) => {
      const { object, text } = load('invalid', file);
      expect(checkWorkspaces(text).flatMap((c) => c.problems.filter((p) => p.severity === 'error'))).toHaveLength(1);
      const { status } = await admin.create(workspacesPath(object), object);
      expect(status).toBe(201);
    },
  );

  test.each(invalid.filter((f) => !NOT_A_WORKSPACE.has(f)))('the valid twin of %s is stored', async (file) => {
    const { object } = load('valid', file);
    const { status, body } = await admin.create<KubeObject>(workspacesPath(object), object);
    expect(status).toBe(201);
    expect(body.metadata?.name).toBe(object.metadata.name);
  });
});

/** Sets a dotted field of a plain object. */
function setPath(object: KubeObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = object as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

describe('immutable fields', () => {
  const base = () => load('valid', 'count-zero.yaml').object;
  const tuning = () => load('valid', 'tuning-bad-method.yaml').object;

  test.each([
    ['resource.instanceType', base, 'Standard_NC48ads_A100_v4', 'instanceType field is immutable'],
    ['resource.labelSelector', base, { matchLabels: { apps: 'other' } }, 'labelSelector field is immutable'],
    ['resource.count', base, 2, 'count field is immutable'],
    ['inference.preset.name', base, 'phi-3.5-mini-instruct', 'preset.name field is immutable'],
    ['tuning.method', tuning, 'qlora', 'method field is immutable'],
    ['tuning.preset', tuning, { name: 'phi-4' }, 'preset field is immutable'],
  ])('changing %s is rejected', async (_field, make, value, message) => {
    const object = make();
    object.metadata.name = `immutable-${_field.replace(/\./g, '-').toLowerCase()}`;
    const { body: created } = await admin.create<KubeObject>(workspacesPath(object), object);
    const updated = JSON.parse(JSON.stringify(created)) as KubeObject;
    setPath(updated, _field, value);
    let caught: unknown;
    try {
      await admin.replace(`${workspacesPath(object)}/${object.metadata.name}`, updated);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KubeApiError);
    expect((caught as KubeApiError).status).toBe(422);
    expect((caught as KubeApiError).body?.details?.causes?.map((c) => [c.field, c.message])).toContainEqual([
      _field,
      `Invalid value: ${message}`,
    ]);
  });
});

describe('tuning input URLs: the CEL rule and the TypeScript check agree', () => {
  test.each(URL_CASES)('%s -> %s', async (url, verdict) => {
    const { object } = load('valid', 'tuning-url-scheme.yaml');
    const index = URL_CASES.findIndex(([u]) => u === url);
    const candidate = {
      ...object,
      metadata: { ...object.metadata, name: `url-${index}` },
      tuning: { ...(object.tuning as object), input: { urls: [url] } },
    };
    let rejected: KubeApiError | undefined;
    await admin.create(workspacesPath(candidate), candidate).catch((e: unknown) => {
      if (!(e instanceof KubeApiError)) throw e;
      rejected = e;
    });
    const verdictOf = (message: string | undefined) =>
      message?.includes(MSG.urlScheme)
        ? 'scheme'
        : message?.includes(MSG.urlSyntax)
          ? 'syntax'
          : message?.includes(MSG.urlHost)
            ? 'host'
            : message;
    // A URL fails scheme, else syntax, else host: every cause the server gives names the same verdict.
    const verdicts = [...new Set((rejected?.body?.details?.causes ?? []).map((c) => verdictOf(c.message)))];
    expect(rejected === undefined ? [] : verdicts).toEqual(verdict === undefined ? [] : [verdict]);
  });
});
