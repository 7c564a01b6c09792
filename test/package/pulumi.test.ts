import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { runProgram, type NormalizedResource } from '../unit/pulumi/harness';
import {
  COMMONJS_TSCONFIG,
  NODENEXT_TSCONFIG,
  TSC_7,
  installProject,
  node,
  packPackage,
  readmeExample,
  removeAll,
  scratchDir,
  tsc5,
} from './support/project';

/*
 * The README's Pulumi example, pasted into two new projects that install the packed package and the Pulumi
 * peers offline: a plain CommonJS project (classic `node` resolution, as Pulumi's own TypeScript template) and
 * an ES module project on `nodenext`, each compiled by TypeScript 5 and by TypeScript 7 and run under the
 * same mocks as the unit tests, against the project's own @pulumi/pulumi. Every build declares the same
 * resource graph, and that graph is the one the same example declares from the sources.
 */

type Declared = { graph: NormalizedResource[]; url: string };
const PULUMI = ['@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/azure-native'];
const declared: Record<string, Declared> = {};
let packed: Declared;

const toCommonJs = (source: string): string =>
  ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;

/** Runs the compiled program (`index.js`) under the mock harness and returns what it declared. */
function declare(project: string): Declared {
  const out = node(project, ['run.cjs']);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Declared;
}

beforeAll(() => {
  const work = scratchDir('kaito-pulumi-pack-');
  const tarball = packPackage(work);
  for (const [name, tsconfig, packageJson] of [
    ['commonjs', COMMONJS_TSCONFIG, {}],
    ['nodenext', NODENEXT_TSCONFIG, { type: 'module' }],
  ] as const) {
    const project = join(work, name);
    installProject(project, { tarball, with: [...PULUMI, 'typescript'], packageJson });
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    writeFileSync(join(project, 'index.ts'), readmeExample('Pulumi'));
    // The same mock harness, as CommonJS, loading the program the way Pulumi's Node host does (import()).
    writeFileSync(
      join(project, 'harness.cjs'),
      toCommonJs(readFileSync(join(__dirname, '..', 'unit', 'pulumi', 'harness.ts'), 'utf8')),
    );
    writeFileSync(
      join(project, 'run.cjs'),
      `const { runProgram } = require('./harness.cjs');
       let program;
       runProgram(async () => { program = await import('./index.js'); }).then(({ graph, error }) => {
         if (error) throw error;
         program.url.apply((url) => console.log(JSON.stringify({ graph: graph.normalized(), url })));
       });`,
    );
    for (const [compiler, tsc] of [
      ['TypeScript 5', tsc5(project)],
      ['TypeScript 7', TSC_7],
    ]) {
      node(project, [tsc, '-p', '.']);
      declared[`${name}, ${compiler}`] = declare(project);
    }
  }
  packed = declared['commonjs, TypeScript 5'];
}, 600_000);

afterAll(removeAll);

test('both projects and both compilers declare the same graph and URL', () => {
  expect(Object.keys(declared)).toEqual([
    'commonjs, TypeScript 5',
    'commonjs, TypeScript 7',
    'nodenext, TypeScript 5',
    'nodenext, TypeScript 7',
  ]);
  for (const run of Object.values(declared)) expect(run).toEqual(packed);
});

test('the README example declares the node pool, the operator and the inference Workspace', () => {
  expect(packed.graph.map((r) => `${r.type} ${r.name}`)).toEqual([
    'kaito-constructs:index:GpuNodePool gpu',
    'azure-native:containerservice:AgentPool gpu-agentpool-gpu',
    'kaito-constructs:index:KaitoOperator kaito',
    'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole kaito-clusterrole-kaito-reconciler',
    'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding kaito-clusterrolebinding-kaito-reconciler',
    'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition kaito-customresourcedefinition-kaitocatalogs.kaito.sh',
    'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition kaito-customresourcedefinition-workspaces.kaito.sh',
    'kubernetes:apps/v1:Deployment kaito-deployment-kaito-reconciler',
    'kubernetes:kaito.sh/v1alpha1:KaitoCatalog kaito-kaitocatalog-default',
    'kubernetes:core/v1:Namespace kaito-namespace-kaito-system',
    'kubernetes:rbac.authorization.k8s.io/v1:Role kaito-role-kaito-reconciler-leader-election',
    'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding kaito-rolebinding-kaito-reconciler-leader-election',
    'kubernetes:core/v1:Service kaito-service-kaito-reconciler-metrics',
    'kubernetes:core/v1:ServiceAccount kaito-serviceaccount-kaito-reconciler',
    'kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy kaito-validatingadmissionpolicy-kaito-workspace-rules',
    'kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding kaito-validatingadmissionpolicybinding-kaito-workspace-rules',
    'kaito-constructs:index:InferenceService phi-3',
    'kaito-constructs:index:KaitoWorkspace phi-3',
    'kubernetes:kaito.sh/v1beta1:Workspace phi-3-workspace-phi-3',
  ]);
  expect(packed.url).toBe('http://phi-3.default.svc.cluster.local:80');
  const workspace = packed.graph.find((r) => r.name === 'phi-3-workspace-phi-3')!;
  expect(workspace.parent).toBe('phi-3');
  expect(workspace.dependsOn).toEqual([
    'gpu-agentpool-gpu',
    'kaito-customresourcedefinition-kaitocatalogs.kaito.sh',
    'kaito-customresourcedefinition-workspaces.kaito.sh',
  ]);
  expect(workspace.inputs.resource).toEqual({
    labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } },
  });
});

test('the installed package declares the same graph as the sources, resource by resource', async () => {
  const exports: { url?: unknown } = {};
  const module = { exports };
  const local = (id: string): unknown =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    id === 'kaito-constructs/pulumi' ? require('../../src/pulumi') : require(id);
  const run = await runProgram(() =>
    new Function('require', 'exports', 'module', toCommonJs(readmeExample('Pulumi')))(local, exports, module),
  );
  expect(run.error).toBeUndefined();
  expect(JSON.parse(JSON.stringify(run.graph.normalized()))).toEqual(packed.graph);
});
