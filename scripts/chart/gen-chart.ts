/*
 * Writes the Helm chart of the operator bundle (chart/) from the renderer of `kaito operator`
 * (src/render/operator.ts): the templates are synthesized from its output (scripts/chart/synthesize.ts),
 * so `helm template` and `kaito operator` give the same objects for the same settings.
 *
 *   npm run gen:chart              write chart/
 *   npm run gen:chart -- --check   exit 1 if chart/ is out of date
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  DEFAULT_OPERATOR_NAMESPACE,
  DEFAULT_RECONCILER_IMAGE,
  DEFAULT_RECONCILER_RESOURCES,
  NVIDIA_DEVICE_PLUGIN_IMAGE,
  OPERATOR_NODE_PROVISIONERS,
  PACKAGE_VERSION,
  SYSTEM_NAMESPACES,
  renderOperator,
  type OperatorNodeProvisioner,
  type OperatorOptions,
} from '../../src/render/operator';
import { parseNodeClass } from '../../src/render/node-class';
import { Synthesizer, mergeOrder, type Choice, type Sentinel } from './synthesize';

const ROOT = resolve(__dirname, '../..');
export const CHART_DIR = join(ROOT, 'chart');

/** The chart's values. */
export interface ChartValues {
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  readonly nodeProvisioner: OperatorNodeProvisioner;
  /** `GROUP/KIND/NAME`, as `--node-class` takes it; empty: the provisioner's default class. */
  readonly nodeClass: string;
  /** Empty: all namespaces. */
  readonly watchNamespace: string;
  readonly leaderElection: boolean;
  readonly allowPrivilegedTemplates: boolean;
  /** The ValidatingAdmissionPolicy, its binding and the KaitoCatalog it reads. */
  readonly admissionPolicy: boolean;
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
  };
  readonly devicePlugin: { readonly enabled: boolean; readonly image: string };
}

/** The chart's values with their defaults: the defaults of renderOperator. */
export const DEFAULT_VALUES: ChartValues = {
  namespace: DEFAULT_OPERATOR_NAMESPACE,
  image: DEFAULT_RECONCILER_IMAGE,
  replicas: 1,
  nodeProvisioner: 'gpu-provisioner',
  nodeClass: '',
  watchNamespace: '',
  leaderElection: true,
  allowPrivilegedTemplates: false,
  admissionPolicy: true,
  resources: DEFAULT_RECONCILER_RESOURCES,
  devicePlugin: { enabled: false, image: NVIDIA_DEVICE_PLUGIN_IMAGE },
};

/** The operator options of chart values (what `kaito operator` flags the same settings give). */
export function optionsOfValues(values: ChartValues): OperatorOptions {
  return {
    namespace: values.namespace,
    image: values.image,
    replicas: values.replicas,
    nodeProvisioner: values.nodeProvisioner,
    ...(values.nodeClass !== '' ? { nodeClass: parseNodeClass(values.nodeClass) } : {}),
    ...(values.watchNamespace !== '' ? { watchNamespace: values.watchNamespace } : {}),
    leaderElection: values.leaderElection,
    allowPrivilegedTemplates: values.allowPrivilegedTemplates,
    admissionPolicy: values.admissionPolicy,
    resources: values.resources,
    devicePlugin: values.devicePlugin.enabled,
    devicePluginImage: values.devicePlugin.image,
  };
}

const CHOICES: readonly Choice[] = [
  { values: [...OPERATOR_NODE_PROVISIONERS], expr: '.Values.nodeProvisioner' },
  { values: [false, true], expr: '.Values.watchNamespace' },
  { values: [false, true], expr: '.Values.devicePlugin.enabled' },
  { values: [false, true], expr: '.Values.allowPrivilegedTemplates' },
  { values: [true, false], expr: '.Values.leaderElection' },
  { values: [false, true], expr: '.Values.nodeClass' },
  { values: [true, false], expr: '.Values.admissionPolicy' },
];

const SENTINELS = {
  namespace: { sentinel: 'hv0hv', expr: '.Values.namespace' },
  image: { sentinel: 'hv1hv', expr: '.Values.image' },
  watchNamespace: { sentinel: 'hv2hv', expr: '.Values.watchNamespace' },
  devicePluginImage: { sentinel: 'hv3hv', expr: '.Values.devicePlugin.image' },
  nodeClass: { sentinel: 'hv4hv/Hv5hv/hv6hv', expr: '.Values.nodeClass' },
  // A number the bundle has nowhere else (checked in render): replicas are at most MAX_REPLICAS.
  replicas: { sentinel: 7, expr: '.Values.replicas' },
  requestsCpu: { sentinel: '900001m', expr: '.Values.resources.requests.cpu' },
  requestsMemory: { sentinel: '900002Mi', expr: '.Values.resources.requests.memory' },
  limitsCpu: { sentinel: '900003m', expr: '.Values.resources.limits.cpu' },
  limitsMemory: { sentinel: '900004Mi', expr: '.Values.resources.limits.memory' },
} satisfies Record<string, Sentinel>;

type Json = Record<string, unknown>;

function render(combination: ReadonlyArray<string | boolean>): Json[] {
  const [nodeProvisioner, watch, devicePlugin, allowPrivilegedTemplates, leaderElection, nodeClass, admissionPolicy] =
    combination;
  const s = SENTINELS;
  const objects = renderOperator({
    namespace: s.namespace.sentinel,
    image: s.image.sentinel,
    replicas: s.replicas.sentinel,
    nodeProvisioner: nodeProvisioner as OperatorNodeProvisioner,
    ...(nodeClass === true ? { nodeClass: parseNodeClass(s.nodeClass.sentinel) } : {}),
    ...(watch === true ? { watchNamespace: s.watchNamespace.sentinel } : {}),
    devicePlugin: devicePlugin as boolean,
    devicePluginImage: s.devicePluginImage.sentinel,
    allowPrivilegedTemplates: allowPrivilegedTemplates as boolean,
    admissionPolicy: admissionPolicy as boolean,
    leaderElection: leaderElection as boolean,
    resources: {
      requests: { cpu: s.requestsCpu.sentinel, memory: s.requestsMemory.sentinel },
      limits: { cpu: s.limitsCpu.sentinel, memory: s.limitsMemory.sentinel },
    },
  }) as unknown as Json[];
  let seen = 0;
  const walk = (v: unknown): void => {
    if (v === s.replicas.sentinel) seen += 1;
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(objects);
  if (seen !== 1) throw new Error(`the replicas sentinel ${s.replicas.sentinel} appears ${seen} times, not once`);
  return objects;
}

const HEADER = '{{- /* Generated by `npm run gen:chart` from src/render/operator.ts: do not edit. */ -}}\n';

/** The chart's files, path (under chart/) to content. */
export function chartFiles(): Map<string, string> {
  const synth = new Synthesizer(CHOICES, Object.values(SENTINELS));
  const renders = synth.combinations.map(render);
  const variants = renders.map((_, i) => i);
  const idOf = (o: Json) => {
    const m = o.metadata as { name: string; namespace?: string };
    return `${o.apiVersion as string}|${o.kind as string}|${m.namespace ?? ''}|${m.name}`;
  };
  const order = mergeOrder(renders.map((objects) => objects.map(idOf)));
  if (order === undefined) throw new Error('the renderings disagree on the order of the objects');
  const files = new Map<string, string>();
  order.forEach((id, n) => {
    const present = variants.filter((v) => renders[v]!.some((o) => idOf(o) === id));
    const node = synth.merge(present, (v) => renders[v]!.find((o) => idOf(o) === id) as never);
    let body = synth.emitDocument(node, present);
    if (present.length !== variants.length) {
      body = `{{- if ${synth.condition(present, variants)} }}\n${body}{{- end }}\n`;
    }
    const [, kind, , name] = id.split('|') as [string, string, string, string];
    if (kind === 'Namespace' && name === SENTINELS.namespace.sentinel) {
      const system = [...SYSTEM_NAMESPACES].map((s) => JSON.stringify(s)).join(' ');
      body = `{{- if not (has ${SENTINELS.namespace.expr} (list ${system})) }}\n${body}{{- end }}\n`;
    }
    const fileName = `${String(n).padStart(2, '0')}-${kind.toLowerCase()}-${name.replace(SENTINELS.namespace.sentinel, 'namespace')}.yaml`;
    files.set(`templates/${fileName}`, HEADER + body);
  });
  for (const [path, text] of files) {
    const leftover = /hv\dhv|90000\d/i.exec(text.replace(/\{\{.*?\}\}/g, ''));
    if (leftover !== null) throw new Error(`${path}: sentinel ${leftover[0]} left outside a template action`);
  }
  files.set(
    'Chart.yaml',
    stringify({
      apiVersion: 'v2',
      name: 'kaito-reconciler',
      description:
        'The kaito-constructs operator bundle: the Workspace CRD, the reconciler with least-privilege RBAC, and optionally the NVIDIA device plugin.',
      type: 'application',
      version: PACKAGE_VERSION,
      appVersion: PACKAGE_VERSION,
      home: 'https://github.com/kaito-constructs/kaito-constructs',
      keywords: ['kaito', 'gpu', 'inference', 'karpenter'],
    }),
  );
  files.set(
    'values.yaml',
    `# Generated by \`npm run gen:chart\` from the operator bundle's options (src/render/operator.ts); values.schema.json says what each takes.\n${stringify(DEFAULT_VALUES)}`,
  );
  files.set('values.schema.json', `${JSON.stringify(valuesSchema(), null, 2)}\n`);
  files.set('.helmignore', '# Generated by `npm run gen:chart`.\n.*\n');
  return files;
}

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const DNS_SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const QUANTITY = '^[0-9]{1,15}(\\.[0-9]{1,9})?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$';

/** What helm checks the values against before rendering (the renderer's own checks, as a schema). */
function valuesSchema(): Record<string, unknown> {
  const quantities = {
    type: 'object',
    additionalProperties: false,
    required: ['cpu', 'memory'],
    properties: { cpu: { type: 'string', pattern: QUANTITY }, memory: { type: 'string', pattern: QUANTITY } },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: Object.keys(DEFAULT_VALUES),
    properties: {
      namespace: {
        type: 'string',
        pattern: DNS_LABEL,
        description: 'Namespace of the reconciler (created unless a system namespace).',
      },
      image: { type: 'string', minLength: 1, description: 'Image of the reconciler.' },
      replicas: { type: 'integer', minimum: 0, description: 'Reconciler replicas; one leads at a time.' },
      nodeProvisioner: {
        enum: [...OPERATOR_NODE_PROVISIONERS],
        description: 'How the reconciler provisions GPU nodes.',
      },
      nodeClass: {
        type: 'string',
        maxLength: 571,
        pattern: `^$|^${DNS_SUBDOMAIN}/[A-Z][A-Za-z0-9]{0,62}/${DNS_SUBDOMAIN}$`,
        description: "Node class of the reconciler's NodeClaims or NodePools, GROUP/KIND/NAME (empty: the provisioner's default).",
      },
      watchNamespace: {
        type: 'string',
        pattern: `^$|${DNS_LABEL}`,
        description: 'Reconcile only the workspaces of this namespace (empty: all namespaces).',
      },
      leaderElection: { type: 'boolean', description: 'Elect a leader on a Lease (--leader-elect).' },
      allowPrivilegedTemplates: {
        type: 'boolean',
        description: 'Let workspaces hand their pods what Pod Security "baseline" refuses.',
      },
      admissionPolicy: {
        type: 'boolean',
        description: 'Check Workspaces at apply time: the ValidatingAdmissionPolicy, its binding and the KaitoCatalog.',
      },
      resources: {
        type: 'object',
        additionalProperties: false,
        required: ['requests', 'limits'],
        properties: { requests: quantities, limits: quantities },
      },
      devicePlugin: {
        type: 'object',
        additionalProperties: false,
        required: ['enabled', 'image'],
        properties: {
          enabled: { type: 'boolean', description: 'Deploy the NVIDIA device plugin DaemonSet in kube-system.' },
          image: { type: 'string', minLength: 1 },
        },
      },
    },
  };
}

function main(): number {
  const check = process.argv.includes('--check');
  const files = chartFiles();
  const existing = new Map<string, string>();
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(CHART_DIR, rel), { withFileTypes: true }).map((d) =>
        d.isDirectory() ? `${d.name}/` : d.name,
      );
    } catch {
      return;
    }
    for (const name of names) {
      if (name.endsWith('/')) walk(`${rel}${name}`);
      else existing.set(`${rel}${name}`, readFileSync(join(CHART_DIR, rel, name), 'utf8'));
    }
  };
  walk('');
  const stale = [...new Set([...files.keys(), ...existing.keys()])].filter((p) => files.get(p) !== existing.get(p));
  if (check) {
    if (stale.length > 0) {
      process.stderr.write(`chart/ is out of date (${stale.join(', ')}): run npm run gen:chart\n`);
      return 1;
    }
    return 0;
  }
  rmSync(CHART_DIR, { recursive: true, force: true });
  for (const [path, text] of files) {
    mkdirSync(join(CHART_DIR, path, '..'), { recursive: true });
    writeFileSync(join(CHART_DIR, path), text);
  }
  process.stdout.write(`wrote ${files.size} files to chart/\n`);
  return 0;
}

if (require.main === module) process.exit(main());
