import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderOperator, renderWorkspace } from '../../../src/render';
import { ROOT, ids, kaitoRender, plain, seed, type Manifest } from './helpers';

/*
 * `npm run synth` (cdk8s synth of examples/cdk8s/main.ts) against `kaito render` of the seed files and
 * the renderers: direct-mode constructs equal `kaito render --mode direct --nodes byo` (renderWorkspace for
 * bring-your-own nodes), an adopted manifest equals `kaito render` (the normalized Workspace), the operator
 * equals `renderOperator`. Object by object, file by file.
 */

const CLI = join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
let files: Record<string, Manifest[]>;

beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'kaito-synth-'));
  try {
    execFileSync(process.execPath, [CLI, 'synth', '--no-check-upgrade', '--output', out], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
    });
    files = Object.fromEntries(
      readdirSync(out)
        .sort()
        .map((f) => [f, parseAllDocuments(readFileSync(join(out, f), 'utf8')).map((d) => d.toJS() as Manifest)]),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);

const seedFile = (file: string) => join(ROOT, 'test', 'fixtures', 'seed', file);

test('one file per chart, node pools and operator before the workloads', () => {
  expect(Object.keys(files)).toEqual([
    '0000-gpu-nodes.k8s.yaml',
    '0001-kaito-operator.k8s.yaml',
    '0002-phi-3.k8s.yaml',
  ]);
  expect(ids(files['0000-gpu-nodes.k8s.yaml'])).toEqual([
    'ManagedClustersAgentPool/default/phi3',
    'NodePool//tuning-phi-3',
  ]);
});

test("the operator chart is the renderer's operator bundle", () => {
  expect(files['0001-kaito-operator.k8s.yaml']).toEqual(plain(renderOperator()));
});

test('the seed equivalents equal `kaito render`: direct mode (bring-your-own nodes), the adopted manifest', () => {
  expect(files['0002-phi-3.k8s.yaml']).toEqual([
    ...kaitoRender([seedFile('phi-3-mini-inference.yaml'), '--mode', 'direct', '--nodes', 'byo']),
    ...kaitoRender([seedFile('phi-3-mini-inference-with-adapters.yaml')]),
    ...kaitoRender([seedFile('phi-3-mini-128k-qlora-tuning.yaml'), '--mode', 'direct', '--nodes', 'byo']),
  ]);
});

test('which is what the renderers give: renderWorkspace for direct mode, the normalized Workspace otherwise', () => {
  const byo = (file: string) => {
    const { ws, plan } = seed(file);
    return plain(renderWorkspace(ws, plan, { nodeProvisioner: 'byo' }));
  };
  const adapter = seed('phi-3-mini-inference-with-adapters.yaml').ws;
  expect(files['0002-phi-3.k8s.yaml']).toEqual([
    ...byo('phi-3-mini-inference.yaml'),
    plain({ ...adapter, metadata: { ...adapter.metadata, namespace: 'default' } }),
    ...byo('phi-3-mini-128k-qlora-tuning.yaml'),
  ]);
});
