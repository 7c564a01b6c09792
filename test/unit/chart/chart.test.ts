import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, DEFAULT_VALUES, chartFiles, optionsOfValues } from '../../../scripts/chart/gen-chart';
import { OPERATOR_NODE_PROVISIONERS, renderOperator } from '../../../src/render/operator';
import { run } from '../cli-run';

/*
 * The Helm chart (chart/, generated from the renderer of `kaito operator`) checked with a real helm,
 * built from its Go module by scripts/go-tool.sh (cached outside the work tree).
 */

const ROOT = join(__dirname, '../../..');
let helm: string;

beforeAll(() => {
  const r = spawnSync('bash', [join(ROOT, 'scripts/go-tool.sh'), 'path', 'helm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not build helm: ${r.stderr}`);
  helm = r.stdout.trim();
}, 900_000);

function helmRun(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helm, args, {
    encoding: 'utf8',
    env: { ...process.env, HELM_CACHE_HOME: join(ROOT, 'node_modules/.cache/helm') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
const id = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** Objects in one order (helm sorts by kind for installation; kaito operator lists them in apply order). */
const byId = (objects: readonly Obj[]) => [...objects].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));

/** `helm template` with `--set` for each of `set`, and `--set-string` for each of `setString`. */
function helmTemplate(set: readonly string[] = [], setString: readonly string[] = []): Obj[] {
  const r = helmRun([
    'template',
    'kaito',
    CHART_DIR,
    ...set.flatMap((s) => ['--set', s]),
    ...setString.flatMap((s) => ['--set-string', s]),
  ]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`helm template gave invalid YAML: ${d.errors[0]!.message}`);
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null);
}

test('chart/ is what npm run gen:chart writes', () => {
  const onDisk = new Map<string, string>();
  const walk = (rel: string) => {
    for (const d of readdirSync(join(CHART_DIR, rel), { withFileTypes: true })) {
      if (d.isDirectory()) walk(`${rel}${d.name}/`);
      else onDisk.set(`${rel}${d.name}`, readFileSync(join(CHART_DIR, rel, d.name), 'utf8'));
    }
  };
  walk('');
  expect(new Map([...onDisk].sort())).toEqual(new Map([...chartFiles()].sort()));
});

test('helm lint: no warning or error', () => {
  const r = helmRun(['lint', '--strict', CHART_DIR]);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(
    `==> Linting ${CHART_DIR}\n[INFO] Chart.yaml: icon is recommended\n\n1 chart(s) linted, 0 chart(s) failed\n`,
  );
});

test('helm template with the default values gives the objects of `kaito operator`', () => {
  const cli = run(['operator', '-o', 'json']);
  expect(cli.code).toBe(0);
  const fromCli = (JSON.parse(cli.stdout) as { items: Obj[] }).items;
  const fromHelm = helmTemplate();
  expect(fromHelm).toHaveLength(fromCli.length);
  expect(byId(fromHelm)).toEqual(byId(fromCli));
  expect(fromCli.map((o) => o.kind)).toEqual([
    'Namespace',
    'CustomResourceDefinition',
    'CustomResourceDefinition',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
    'Deployment',
    'Service',
    'KaitoCatalog',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ]);
});

/**
 * Every combination of the chart's choices, with every free-form value set away from its default; the
 * admission policy is on in every other one (each value meets every other choice without doubling the runs).
 */
const combinations = OPERATOR_NODE_PROVISIONERS.flatMap((nodeProvisioner) =>
  [false, true].flatMap((watch) =>
    [false, true].flatMap((devicePlugin) =>
      [false, true].flatMap((allowPrivilegedTemplates) =>
        [false, true].flatMap((leaderElection) =>
          [false, true].map((nodeClass) => ({
            nodeProvisioner,
            watch,
            devicePlugin,
            allowPrivilegedTemplates,
            leaderElection,
            nodeClass,
          })),
        ),
      ),
    ),
  ),
).map((c, i) => ({ ...c, admissionPolicy: i % 3 !== 0 }));

test.each(combinations)('helm template equals renderOperator for %j', (c) => {
  const values = {
    ...DEFAULT_VALUES,
    namespace: 'ops',
    image: 'registry.example.com/team/kaito-reconciler@sha256:0123',
    replicas: 3,
    nodeProvisioner: c.nodeProvisioner,
    nodeClass: c.nodeClass ? 'karpenter.k8s.aws/EC2NodeClass/gpu' : '',
    watchNamespace: c.watch ? 'team-a' : '',
    leaderElection: c.leaderElection,
    allowPrivilegedTemplates: c.allowPrivilegedTemplates,
    admissionPolicy: c.admissionPolicy,
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    devicePlugin: { enabled: c.devicePlugin, image: 'registry.example.com/nvidia/k8s-device-plugin:v1' },
  };
  const set = [
    `namespace=${values.namespace}`,
    `image=${values.image}`,
    `replicas=${values.replicas}`,
    `nodeProvisioner=${values.nodeProvisioner}`,
    `nodeClass=${values.nodeClass}`,
    `watchNamespace=${values.watchNamespace}`,
    `leaderElection=${values.leaderElection}`,
    `allowPrivilegedTemplates=${values.allowPrivilegedTemplates}`,
    `admissionPolicy=${values.admissionPolicy}`,
    `devicePlugin.enabled=${values.devicePlugin.enabled}`,
    `devicePlugin.image=${values.devicePlugin.image}`,
  ];
  // Quantities are strings (`--set` would make `1` a number, which the schema refuses).
  const quantities = [
    'resources.requests.cpu=50m',
    'resources.requests.memory=96Mi',
    'resources.limits.cpu=1',
    'resources.limits.memory=256Mi',
  ];
  const expected = renderOperator(optionsOfValues(values)) as unknown as Obj[];
  expect(byId(helmTemplate(set, quantities))).toEqual(byId(expected));
});

test('a system namespace is not declared by the chart, as by kaito operator', () => {
  const fromHelm = helmTemplate(['namespace=kube-system']);
  expect(fromHelm.filter((o) => o.kind === 'Namespace')).toEqual([]);
  expect(byId(fromHelm)).toEqual(byId(renderOperator({ namespace: 'kube-system' }) as unknown as Obj[]));
});

test.each([
  ['replicas=-1', "- at '/replicas': minimum: got -1, want 0"],
  [
    'nodeProvisioner=eks',
    "- at '/nodeProvisioner': value must be one of 'gpu-provisioner', 'karpenter', 'machine', 'karpenter-nodepool', 'byo'",
  ],
  ['namespace=Team_A', "- at '/namespace': 'Team_A' does not match pattern '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'"],
  ['resources.limits.memory=lots', "- at '/resources/limits/memory': 'lots' does not match pattern"],
  ['resources.limits.cpu=1', "- at '/resources/limits/cpu': got number, want string"],
  ['nodeClass=karpenter.k8s.aws/ec2nodeclass/gpu', "- at '/nodeClass': 'karpenter.k8s.aws/ec2nodeclass/gpu' does not match pattern"],
  ['imagePullSecrets=x', "- at '': additional properties 'imagePullSecrets' not allowed"],
])('values the renderer would refuse are refused by helm: %s', (set, message) => {
  const r = helmRun(['template', 'kaito', CHART_DIR, '--set', set]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(message);
});
