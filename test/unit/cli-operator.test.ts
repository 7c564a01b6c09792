import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { runCli, type CliIo } from '../../src/cli';
import { HELP } from '../../src/cli/run';
import { renderCrdYaml, renderWorkspaceCrd } from '../../src/render/crd';
import { renderOperator } from '../../src/render/operator';

const ROOT = join(__dirname, '..', '..');

/** Runs the CLI with an in-memory io that has no files; returns exit code and output. */
function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    readFile: (path) => {
      throw Object.assign(new Error(`no file ${path}`), { code: 'ENOENT' });
    },
    readStdin: () => '',
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  const code = runCli(argv, io);
  return { code, stdout, stderr };
}

/** The documents of multi-document YAML as plain objects. */
function documents(yaml: string): unknown[] {
  const docs = parseAllDocuments(yaml);
  return (Array.isArray(docs) ? docs : [docs]).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJSON() as unknown;
  });
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('kaito crds', () => {
  it('prints exactly the shipped CRD file', () => {
    const result = run(['crds']);
    expect(result).toEqual({ code: 0, stdout: renderCrdYaml(), stderr: '' });
    expect(result.stdout).toBe(readFileSync(join(ROOT, 'crds', 'kaito.sh_workspaces.yaml'), 'utf8'));
    expect(documents(result.stdout)).toEqual([plain(renderWorkspaceCrd())]);
  });

  it('prints a v1 List with -o json', () => {
    for (const flag of [['-o', 'json'], ['--output=json']]) {
      const result = run(['crds', ...flag]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        apiVersion: 'v1',
        kind: 'List',
        items: [plain(renderWorkspaceCrd())],
      });
    }
  });

  it('prints YAML with -o yaml, help with --help', () => {
    expect(run(['crds', '-o', 'yaml']).stdout).toBe(renderCrdYaml());
    const help = run(['crds', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith('Usage: kaito crds [-o yaml|json]\n')).toBe(true);
  });

  it('is a usage error (exit 2) to pass arguments or an unknown output', () => {
    const extra = run(['crds', 'workspaces']);
    expect(extra.code).toBe(2);
    expect(extra.stdout).toBe('');
    expect(extra.stderr.startsWith('kaito crds: crds takes no arguments, got workspaces\n')).toBe(true);
    const text = run(['crds', '-o', 'text']);
    expect(text.code).toBe(2);
    expect(text.stderr.split('\n')[0]).toBe('kaito crds: option --output must be one of yaml, json, got "text"');
  });
});

describe('kaito operator', () => {
  it('prints the default bundle as multi-document YAML, in apply order', () => {
    const result = run(['operator']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n---\n')).toHaveLength(13);
    expect(documents(result.stdout)).toEqual(plain(renderOperator()));
  });

  it('passes every flag through', () => {
    const result = run([
      'operator',
      '--namespace',
      'ai-ops',
      '--image=registry.example.com/reconciler:dev',
      '--replicas',
      '2',
      '--node-provisioner',
      'karpenter',
      '--node-class=karpenter.k8s.aws/EC2NodeClass/gpu',
      '--device-plugin',
      '--device-plugin-image',
      'nvcr.io/nvidia/k8s-device-plugin:v0.17.0',
      '--allow-privileged-templates',
    ]);
    expect(result.code).toBe(0);
    expect(documents(result.stdout)).toEqual(
      plain(
        renderOperator({
          namespace: 'ai-ops',
          image: 'registry.example.com/reconciler:dev',
          replicas: 2,
          nodeProvisioner: 'karpenter',
          nodeClass: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' },
          devicePlugin: true,
          devicePluginImage: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.0',
          allowPrivilegedTemplates: true,
        }),
      ),
    );
    const kinds = documents(result.stdout).map((d) => (d as { kind: string }).kind);
    expect(kinds[kinds.length - 1]).toBe('DaemonSet');
    expect(result.stdout).toContain('- --allow-privileged-templates\n');
    expect(result.stdout).toContain('- --node-class=karpenter.k8s.aws/EC2NodeClass/gpu\n');
  });

  it('accepts -n for the namespace and --replicas 0', () => {
    const result = run(['operator', '-n', 'kaito', '--replicas', '0', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: plain(renderOperator({ namespace: 'kaito', replicas: 0 })),
    });
  });

  it('prints a v1 List with -o json', () => {
    const list = JSON.parse(run(['operator', '-o', 'json']).stdout) as { items: unknown[] };
    expect(list.items).toEqual(plain(renderOperator()));
    expect(parse(run(['operator', '-o', 'yaml']).stdout.split('---\n')[0])).toEqual(plain(renderOperator()[0]));
  });

  it.each([
    [['--replicas', 'two'], '--replicas must be a whole number of at least 0, got "two"'],
    [['--replicas', '-1'], '--replicas must be a whole number of at least 0, got "-1"'],
    [['--replicas', '1.5'], '--replicas must be a whole number of at least 0, got "1.5"'],
    [
      ['--namespace', 'Kaito_System'],
      '--namespace: "Kaito_System" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
    ],
    [['--replicas', '11'], '--replicas: 11 is not a whole number between 0 and 10'],
    [['--image', ''], '--image: "" is not an image reference: give a non-empty string'],
    [
      ['--node-provisioner', 'nap'],
      '--node-provisioner: "nap" is not one of gpu-provisioner, karpenter, machine, karpenter-nodepool, byo',
    ],
    [['--device-plugin-image', 'x'], '--device-plugin-image needs --device-plugin'],
    [
      ['--node-class', 'kaito.sh/KaitoNodeClass'],
      '--node-class: "kaito.sh/KaitoNodeClass" is not GROUP/KIND/NAME (e.g. karpenter.azure.com/AKSNodeClass/default or kaito.sh/KaitoNodeClass/default)',
    ],
    [['--device-plugin=yes'], 'option --device-plugin takes no value'],
    [['--replicas'], 'option --replicas needs a value'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['extra'], 'operator takes no arguments, got extra'],
  ])('%j is a usage error: %s', (flags, message) => {
    const result = run(['operator', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(`kaito operator: ${message}`);
    expect(result.stderr).toContain('Usage: kaito operator');
  });

  it('has help', () => {
    const result = run(['operator', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--node-provisioner gpu-provisioner|karpenter|machine|karpenter-nodepool|byo');
  });
});

describe('kaito --help', () => {
  it('lists the crds and operator commands', () => {
    const result = run(['--help']);
    expect(result.stdout).toBe(HELP);
    expect(HELP).toContain('\n  crds               print the Workspace CustomResourceDefinition\n');
    expect(HELP).toContain(
      '\n  operator           print the operator bundle (CRD, RBAC, reconciler Deployment) for kubectl apply\n',
    );
  });
});
