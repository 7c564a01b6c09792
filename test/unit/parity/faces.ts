import * as pulumi from '@pulumi/pulumi';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import * as cdk from '../../../src/cdk8s';
import * as pl from '../../../src/pulumi';
import { FitError, ValidationError } from '../../../src';
import { runCli } from '../../../src/cli/run';
import { CONSTRUCTS_API_VERSION } from '../../../src/cli/constructs';
import { runProgram, type Registration } from '../pulumi/harness';

/*
 * One intent through the three faces: the cdk8s construct (synthesized), the Pulumi component (under mocks)
 * and the CLI (`kaito validate -o json` and `kaito render -o json` of the construct as a document, or
 * `kaito operator` flags). Each answers with the same shape: the errors as [path, message], or the objects.
 */

export type Kind = 'InferenceService' | 'TuningJob' | 'GpuNodePool' | 'KaitoOperator' | 'fromYaml';

/** The props of an AKS pool every face can declare (Pulumi's pools are AKS agent pools). */
export type PoolProps = Record<string, unknown> & { readonly name: string };

export interface Intent {
  readonly kind: Kind;
  /** The props (plain data, the same in every face); for fromYaml, `{ text }`. */
  readonly props: Record<string, unknown>;
  /** Workloads: run on this pool (declared first; `nodePool` in the props is replaced by it). */
  readonly pool?: PoolProps;
}

/** What a face answered: the errors, or the objects it declared (nothing of the pool a workload runs on). */
export type Answer =
  | { readonly ok: false; readonly errors: ReadonlyArray<readonly [path: string, message: string]> }
  | { readonly ok: true; readonly objects: readonly unknown[] };

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A FitError's message without the subject and path the cdk8s face puts in front. */
function fitMessage(e: FitError): string {
  const marker = `: ${e.path}: `;
  return e.message.slice(e.message.indexOf(marker) + marker.length);
}

// ---- cdk8s ----

/** What a cdk8s AKS pool needs besides the shared props (the CLI's documents say the same). */
const ASO = { provider: 'aso', clusterName: 'aks' } as const;

export function viaCdk8s(intent: Intent): Answer {
  const chart = new Chart(Testing.app(), 'parity');
  let pool: cdk.GpuNodePool | undefined;
  try {
    if (intent.pool !== undefined) {
      pool = new cdk.GpuNodePool(chart, 'pool', { ...ASO, ...intent.pool } as cdk.GpuNodePoolProps);
    }
    const props: Record<string, unknown> = { ...intent.props, ...(pool === undefined ? {} : { nodePool: pool }) };
    switch (intent.kind) {
      case 'InferenceService':
        new cdk.InferenceService(chart, 'intent', props as unknown as cdk.InferenceServiceProps);
        break;
      case 'TuningJob':
        new cdk.TuningJob(chart, 'intent', props as unknown as cdk.TuningJobProps);
        break;
      case 'GpuNodePool':
        new cdk.GpuNodePool(chart, 'intent', { ...ASO, ...props } as cdk.GpuNodePoolProps);
        break;
      case 'KaitoOperator':
        new cdk.KaitoOperator(chart, 'intent', props as cdk.KaitoOperatorProps);
        break;
      case 'fromYaml':
        cdk.KaitoWorkspace.fromYaml(chart, 'intent', props.text as string);
        break;
    }
  } catch (e) {
    if (e instanceof FitError) return { ok: false, errors: [[e.path, fitMessage(e)]] };
    if (e instanceof ValidationError) {
      return { ok: false, errors: e.problems.filter((p) => p.severity === 'error').map((p) => [p.path, p.message]) };
    }
    throw e;
  }
  const objects = Testing.synth(chart);
  return { ok: true, objects: pool === undefined ? objects : objects.slice(1) };
}

// ---- Pulumi ----

/** Pulumi's await annotations: the one thing its objects carry that the others do not. */
function withoutAwait(inputs: Record<string, unknown>): Record<string, unknown> {
  const metadata = inputs.metadata as { annotations?: Record<string, string> } | undefined;
  if (metadata?.annotations === undefined) return inputs;
  const { 'pulumi.com/skipAwait': _s, 'pulumi.com/waitFor': _w, ...annotations } = metadata.annotations;
  const { annotations: _a, ...rest } = metadata;
  return { ...inputs, metadata: Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest };
}

/** The fields of an AKS agent pool that both faces write with the AKS API's names. */
export const AGENT_POOL_FIELDS = [
  'vmSize',
  'count',
  'minCount',
  'maxCount',
  'nodeLabels',
  'nodeTaints',
  'gpuInstanceProfile',
] as const;

function agentPoolFields(spec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(AGENT_POOL_FIELDS.filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]]));
}

/** The Kubernetes resources a component declared, in its own order (registrations may arrive in any order). */
function declaredBy(component: pulumi.ComponentResource): pulumi.CustomResource[] {
  if (component instanceof pl.KaitoWorkspace) return [component.resource];
  if (component instanceof pl.InferenceService || component instanceof pl.TuningJob) {
    return component.kaitoWorkspace !== undefined ? [component.kaitoWorkspace.resource] : component.resources;
  }
  if (component instanceof pl.KaitoOperator) return component.resources;
  return [];
}

async function urnOf(resource: pulumi.Resource): Promise<string> {
  return new Promise((resolve) => resource.urn.apply(resolve));
}

export async function viaPulumi(intent: Intent): Promise<Answer> {
  const aks = { resourceGroupName: 'rg', clusterName: 'aks' };
  let component: pulumi.ComponentResource | undefined;
  const { graph, error } = await runProgram(() => {
    const pool =
      intent.pool === undefined
        ? undefined
        : new pl.GpuNodePool('pool', { ...aks, ...intent.pool } as pl.GpuNodePoolArgs);
    const props: Record<string, unknown> = intent.props;
    // The pool is a component option in Pulumi (a resource the component schema cannot describe).
    const options: pl.WorkloadOptions = pool === undefined ? {} : { nodePool: pool };
    switch (intent.kind) {
      case 'InferenceService':
        component = new pl.InferenceService('intent', props as unknown as pl.InferenceServiceArgs, options);
        break;
      case 'TuningJob':
        component = new pl.TuningJob('intent', props as unknown as pl.TuningJobArgs, options);
        break;
      case 'GpuNodePool':
        component = new pl.GpuNodePool('intent', { ...aks, ...props } as pl.GpuNodePoolArgs);
        break;
      case 'KaitoOperator':
        component = new pl.KaitoOperator('intent', props as pl.KaitoOperatorArgs);
        break;
      case 'fromYaml':
        component = pl.KaitoWorkspace.fromYaml('intent', props.text as string);
        break;
    }
  });
  if (error !== undefined) {
    if (!pulumi.InputPropertiesError.isInstance(error)) throw error;
    return { ok: false, errors: error.errors.map((e) => [e.propertyPath, e.reason]) };
  }
  if (intent.kind === 'GpuNodePool') {
    const [agentPool] = graph.ofType('azure-native:containerservice:AgentPool');
    return { ok: true, objects: [agentPoolFields(agentPool.inputs)] };
  }
  const urns = await Promise.all(declaredBy(component!).map(urnOf));
  const registered = (urn: string): Registration => graph.registrations.find((r) => r.urn === urn)!;
  return { ok: true, objects: urns.map((urn) => withoutAwait(registered(urn).inputs)) };
}

/** The ASO agent pool cdk8s or the CLI emitted, as the fields {@link viaPulumi} reports. */
export function agentPoolOf(objects: readonly unknown[]): Record<string, unknown> {
  const [pool] = objects as Array<{ spec: Record<string, unknown> }>;
  return agentPoolFields(pool.spec);
}

// ---- CLI ----

function cli(argv: string[], files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, {
    readFile: (path) => {
      if (files[path] === undefined) throw Object.assign(new Error(`no file ${path}`), { code: 'ENOENT' });
      return files[path];
    },
    readStdin: () => '',
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

/** The option names of the operator, as `kaito operator` flags. */
const FLAGS: Record<string, string> = {
  namespace: '--namespace',
  watchNamespace: '--watch-namespace',
  image: '--image',
  replicas: '--replicas',
  nodeProvisioner: '--node-provisioner',
  devicePlugin: '--device-plugin',
  devicePluginImage: '--device-plugin-image',
  allowPrivilegedTemplates: '--allow-privileged-templates',
  nodeClass: '--node-class',
};

function operatorViaCli(props: Record<string, unknown>): Answer {
  const value = (v: unknown): string => {
    const ref = v as { group?: string; kind?: string; name?: string };
    return typeof v === 'object' && v !== null ? `${ref.group}/${ref.kind}/${ref.name}` : String(v);
  };
  const flags = Object.entries(props).flatMap(([k, v]) => (v === true ? [FLAGS[k]] : [FLAGS[k], value(v)]));
  const { code, stdout, stderr } = cli(['operator', ...flags, '-o', 'json']);
  if (code === 0) return { ok: true, objects: (JSON.parse(stdout) as { items: unknown[] }).items };
  // `kaito operator: --replicas: <message>`, the flag standing for the option.
  const line = stderr.split('\n')[0].replace(/^kaito operator: /, '');
  const flag = Object.entries(FLAGS).find(([, f]) => line.startsWith(`${f}: `));
  if (code !== 2 || flag === undefined) throw new Error(`kaito operator exited ${code}: ${stderr}`);
  return { ok: false, errors: [[flag[0], line.slice(flag[1].length + 2)]] };
}

/** The intent as construct documents: the pool first, the workload naming it. */
function documents(intent: Intent): string {
  const doc = (kind: string, props: Record<string, unknown>) =>
    stringify({ apiVersion: CONSTRUCTS_API_VERSION, kind, ...props });
  if (intent.kind === 'GpuNodePool')
    return doc('GpuNodePool', { provider: 'aso', clusterName: 'aks', ...intent.props });
  const workload = doc(intent.kind, { ...intent.props, ...(intent.pool ? { nodePool: intent.pool.name } : {}) });
  if (intent.pool === undefined) return workload;
  return `${doc('GpuNodePool', { provider: 'aso', clusterName: 'aks', ...intent.pool })}---\n${workload}`;
}

interface ValidateJson {
  documents: Array<{ problems: Array<{ path: string; message: string; severity: string }> }>;
}

export function viaCli(intent: Intent): Answer {
  if (intent.kind === 'KaitoOperator') return operatorViaCli(intent.props);
  const files = { 'intent.yaml': intent.kind === 'fromYaml' ? (intent.props.text as string) : documents(intent) };
  const validate = cli(['validate', 'intent.yaml', '-o', 'json'], files);
  const result = JSON.parse(validate.stdout) as ValidateJson;
  const own = result.documents.at(-1)!;
  const errors = own.problems.filter((p) => p.severity === 'error').map((p) => [p.path, p.message] as const);
  if (errors.length > 0 || validate.code !== 0) return { ok: false, errors };
  const render = cli(['render', 'intent.yaml', '-o', 'json'], files);
  if (render.code !== 0) throw new Error(`kaito render exited ${render.code}: ${render.stdout}${render.stderr}`);
  const items = (JSON.parse(render.stdout) as { items: unknown[] }).items;
  return { ok: true, objects: plain(intent.pool === undefined ? items : items.slice(1)) };
}
