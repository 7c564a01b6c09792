import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { runProgram, valueOf, type Graph } from './harness';

/*
 * The program Pulumi.yaml runs (examples/pulumi/index.ts), under mocks: once in-process, and once loaded the
 * way Pulumi's Node.js language host loads a TypeScript program (its ts-node registration, type-checked,
 * with the project's tsconfig.json), which is what `pulumi up` does before talking to the engine.
 */

const root = join(__dirname, '..', '..', '..');
const CREDENTIALS = 'azure-native:containerservice:listManagedClusterUserCredentials';
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\n';
const config = { 'project:resourceGroupName': 'rg', 'project:clusterName': 'aks' };
const calls = {
  [CREDENTIALS]: (inputs: Record<string, unknown>) => {
    expect(inputs).toEqual({ resourceGroupName: 'rg', resourceName: 'aks' });
    return { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(KUBECONFIG).toString('base64') }] };
  },
};

const EXPECTED = [
  'azure-native:containerservice:AgentPool gpu-agentpool-gpu',
  'kaito-constructs:index:GpuNodePool gpu',
  'kaito-constructs:index:InferenceService phi-3-mini',
  'kaito-constructs:index:KaitoOperator kaito',
  'kaito-constructs:index:KaitoWorkspace phi-3-mini',
  'kaito-constructs:index:KaitoWorkspace tuning-phi-3',
  'kaito-constructs:index:TuningJob tuning-phi-3',
  'kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy kaito-validatingadmissionpolicy-kaito-workspace-rules',
  'kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding kaito-validatingadmissionpolicybinding-kaito-workspace-rules',
  'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition kaito-customresourcedefinition-kaitocatalogs.kaito.sh',
  'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition kaito-customresourcedefinition-workspaces.kaito.sh',
  'kubernetes:apps/v1:Deployment kaito-deployment-kaito-reconciler',
  'kubernetes:core/v1:Namespace kaito-namespace-kaito-system',
  'kubernetes:core/v1:Service kaito-service-kaito-reconciler-metrics',
  'kubernetes:core/v1:ServiceAccount kaito-serviceaccount-kaito-reconciler',
  'kubernetes:kaito.sh/v1alpha1:KaitoCatalog kaito-kaitocatalog-default',
  'kubernetes:kaito.sh/v1beta1:Workspace phi-3-mini-workspace-workspace-phi-3-mini',
  'kubernetes:kaito.sh/v1beta1:Workspace tuning-phi-3-workspace-workspace-tuning-phi-3',
  'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole kaito-clusterrole-kaito-reconciler',
  'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding kaito-clusterrolebinding-kaito-reconciler',
  'kubernetes:rbac.authorization.k8s.io/v1:Role kaito-role-kaito-reconciler-leader-election',
  'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding kaito-rolebinding-kaito-reconciler-leader-election',
  'pulumi:providers:kubernetes aks',
];

interface ProgramExports {
  agentPoolName: unknown;
  inferenceUrl: unknown;
  tuningWorkspace: unknown;
}

let graph: Graph;
let exported: ProgramExports;

beforeAll(async () => {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  const run = await runProgram(
    () => {
      // A plain require: the program runs as Pulumi runs it, as CommonJS.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = require('../../../examples/pulumi/index') as ProgramExports;
    },
    { config, calls },
  );
  if (run.error !== undefined) throw run.error;
  graph = run.graph;
});

afterAll(() => jest.restoreAllMocks());

test('Pulumi.yaml runs the TypeScript program', () => {
  const project = parse(readFileSync(join(root, 'Pulumi.yaml'), 'utf8')) as {
    runtime: { name: string; options: { typescript: boolean } };
    main: string;
    config: Record<string, { type: string }>;
  };
  expect(project.runtime).toEqual({ name: 'nodejs', options: { typescript: true } });
  expect(project.main).toBe('examples/pulumi/index.ts');
  expect(existsSync(join(root, project.main))).toBe(true);
  expect(Object.keys(project.config)).toEqual(['resourceGroupName', 'clusterName']);
});

test('the program declares a node pool, the operator and the seed workspaces on the pool', () => {
  expect(graph.summary()).toEqual(EXPECTED);
  expect(graph.get('gpu-agentpool-gpu').inputs).toMatchObject({
    resourceGroupName: 'rg',
    resourceName: 'aks',
    vmSize: 'Standard_NC6s_v3',
    count: 2,
  });
  const inference = graph.get('phi-3-mini-workspace-workspace-phi-3-mini');
  expect(inference.inputs).toEqual({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'workspace-phi-3-mini', namespace: 'default', annotations: { 'pulumi.com/skipAwait': 'true' } },
    resource: { labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
  });
  const tuning = graph.get('tuning-phi-3-workspace-workspace-tuning-phi-3');
  expect((tuning.inputs.tuning as { method: string }).method).toBe('qlora');
  for (const ws of [inference, tuning]) {
    expect(graph.dependencyNames(ws)).toEqual([
      'gpu-agentpool-gpu',
      'kaito-customresourcedefinition-kaitocatalogs.kaito.sh',
      'kaito-customresourcedefinition-workspaces.kaito.sh',
    ]);
  }
});

test('every Kubernetes object goes to the cluster through its provider, built from the cluster credentials', () => {
  const provider = graph.get('aks');
  // The credentials stay a secret.
  expect(provider.inputs.kubeconfig).toEqual({
    [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
    value: KUBECONFIG,
  });
  for (const r of graph.registrations.filter((x) => x.custom && x.type.startsWith('kubernetes:'))) {
    expect([r.name, r.provider.startsWith(`${provider.urn}::`)]).toEqual([r.name, true]);
  }
  expect(graph.get('gpu-agentpool-gpu').provider).toBe('');
});

test('the program exports the pool name and the inference URL', async () => {
  expect(await valueOf(exported.agentPoolName as string)).toBe('gpu');
  expect(await valueOf(exported.inferenceUrl as string)).toBe(
    'http://workspace-phi-3-mini.default.svc.cluster.local:80',
  );
  expect(await valueOf(exported.tuningWorkspace as string)).toBe('workspace-tuning-phi-3');
});

test('loaded as pulumi up loads it (Pulumi ts-node registration, type-checked), it declares the same', () => {
  // What Pulumi's Node.js language host does for `runtime.options.typescript` (cmd/run/run.js), then mocks.
  const script = `
    const tsutils = require('@pulumi/pulumi/tsutils');
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions('tsconfig.json');
    require(tsnodeRequire).register({
      compiler: typescriptRequire, project: 'tsconfig.json', skipProject: false,
      compilerOptions: { target: 'ES2020', module: 'nodenext', moduleResolution: 'nodenext', sourceMap: 'true', ...compilerOptions },
    });
    const pulumi = require('@pulumi/pulumi');
    pulumi.runtime.setConfig('project:resourceGroupName', 'rg');
    pulumi.runtime.setConfig('project:clusterName', 'aks');
    const names = [];
    pulumi.runtime.setMocks({
      newResource: (a) => { names.push(a.type + ' ' + a.name); return { id: a.name + '_id', state: a.inputs }; },
      call: () => ({ kubeconfigs: [{ name: 'clusterUser', value: '' }] }),
    }, 'project', 'stack', false);
    const program = require('./examples/pulumi/index.ts');
    require('@pulumi/pulumi/runtime/settings').waitForRPCs().then(() => {
      program.inferenceUrl.apply((url) => console.log(JSON.stringify({ names: names.sort(), url })));
    });
  `;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
    names: EXPECTED,
    url: 'http://workspace-phi-3-mini.default.svc.cluster.local:80',
  });
}, 120_000);

test('with the kubeconfig setting, the provider uses it and no Azure credentials are read', async () => {
  let called = false;
  const run = await runProgram(
    () =>
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../../../examples/pulumi/index');
      }),
    {
      config: { ...config, 'project:kubeconfig': KUBECONFIG },
      calls: {
        [CREDENTIALS]: () => {
          called = true;
          return {};
        },
      },
    },
  );
  expect(run.error).toBeUndefined();
  expect(called).toBe(false);
  expect(run.graph.get('aks').inputs.kubeconfig).toEqual({
    [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
    value: KUBECONFIG,
  });
});
