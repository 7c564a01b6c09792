import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseWorkspaces, splitManifest } from '../../src/api';
import { checkManifest } from '../../src/plan';
import { run } from './cli-run';

/*
 * Files that carry ConfigMaps, Secrets or PersistentVolumeClaims beside their Workspace, as several of Kaito's
 * examples do: the Workspaces are checked, the others passed over by validate/plan and kept by render.
 */

type Doc = { kind: string; metadata: Record<string, unknown>; inference: { config: string } };

const dir = join(__dirname, '..', 'fixtures', 'multi-doc');
const file = (name: string) => join(dir, name);
const text = (name: string) => readFileSync(file(name), 'utf8');

describe('splitManifest / checkManifest', () => {
  test('the companions are set apart with their positions; the Workspace is checked and planned', () => {
    const { checks, companions } = checkManifest(text('tuning-pvc.yaml'));
    expect(companions.map((c) => [c.index, c.value.kind, c.value.metadata.name])).toEqual([
      [0, 'PersistentVolumeClaim', 'tuning-data'],
      [1, 'PersistentVolumeClaim', 'tuning-output'],
    ]);
    expect(checks.map((c) => [c.index, c.workspace?.metadata.name, c.problems, c.plan?.kind])).toEqual([
      [2, 'workspace-tuning-phi-3', [], 'tuning'],
    ]);
    expect(parseWorkspaces(text('custom-config.yaml')).map((w) => w.inference?.config)).toEqual(['qwen-params']);
  });

  test('a lone ConfigMap is still an error, and so is another kind beside a Workspace', () => {
    const lone = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';
    expect(checkManifest(lone).checks.map((c) => c.problems.map((p) => [p.path, p.message]))).toEqual([
      [['kind', 'must be "Workspace", got "ConfigMap"']],
    ]);
    const deployment = `${text('custom-config.yaml')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n`;
    const { checks, companions } = checkManifest(deployment);
    expect(companions).toHaveLength(1);
    expect(checks.map((c) => [c.index, c.problems.map((p) => p.message)])).toEqual([
      [1, []],
      [2, ['must be "Workspace", got "Deployment"']],
    ]);
  });

  test('a ConfigMap without a name is checked as a Workspace (and so rejected)', () => {
    const nameless = `${text('custom-config.yaml')}---\napiVersion: v1\nkind: Secret\nmetadata: {}\n`;
    expect(splitManifest(nameless).companions.map((c) => c.index)).toEqual([0]);
    expect(splitManifest(nameless).workspaces.map((d) => d.index)).toEqual([1, 2]);
  });
});

describe('kaito validate, plan and render on multi-document files', () => {
  test('validate: the Workspace valid, the others passed over, exit 0', () => {
    const result = run(['validate', file('tuning-pvc.yaml')]);
    expect([result.code, result.stdout]).toEqual([
      0,
      `${file('tuning-pvc.yaml')}#3: valid (Workspace workspace-tuning-phi-3, kaito.sh/v1beta1)\n` +
        `${file('tuning-pvc.yaml')}: passed over (PersistentVolumeClaim tuning-data, not a Workspace)\n` +
        `${file('tuning-pvc.yaml')}#2: passed over (PersistentVolumeClaim tuning-output, not a Workspace)\n`,
    ]);
    const json = JSON.parse(run(['validate', '-o', 'json', file('gated-with-secret.yaml')]).stdout) as {
      valid: boolean;
      documents: { document: number; name: string }[];
      passedOver: unknown[];
    };
    expect([json.valid, json.documents.map((d) => [d.document, d.name]), json.passedOver]).toEqual([
      true,
      [[1, 'workspace-llama']],
      [{ file: file('gated-with-secret.yaml'), document: 2, kind: 'Secret', name: 'hf-token' }],
    ]);
  });

  test('plan: the Workspace only', () => {
    const result = run(['plan', file('custom-config.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('qwen2.5-coder-7b-instruct');
    expect(result.stdout).not.toContain('qwen-params');
  });

  test('render (operator and direct): the file applies as written, companions in their place, namespace filled', () => {
    const operator = run(['render', '--namespace', 'team-b', file('custom-config.yaml')]);
    expect(operator.code).toBe(0);
    const [configMap, workspace] = parseAllDocuments(operator.stdout).map((d) => d.toJSON() as Doc);
    const source = parseAllDocuments(text('custom-config.yaml')).map((d) => d.toJSON() as Doc);
    expect(configMap).toEqual({ ...source[0], metadata: { name: 'qwen-params', namespace: 'team-b' } });
    expect([workspace.kind, workspace.metadata.namespace, workspace.inference.config]).toEqual([
      'Workspace',
      'team-b',
      'qwen-params',
    ]);

    const direct = run(['render', '--mode', 'direct', file('gated-with-secret.yaml')]);
    const kinds = parseAllDocuments(direct.stdout).map((d) => {
      const o = d.toJSON() as { kind: string; metadata: { name: string; namespace: string } };
      return `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    });
    expect(kinds.at(-1)).toBe('Secret/team-a/hf-token');
    expect(kinds.filter((k) => k.startsWith('Secret/'))).toEqual(['Secret/team-a/hf-token']);
    expect(kinds).toContain('StatefulSet/team-a/workspace-llama');
    expect(parse(direct.stdout.split('---\n').at(-1)!)).toEqual(
      parseAllDocuments(text('gated-with-secret.yaml'))[1].toJSON(),
    );
  });
});
