import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { parseWorkspace, type Workspace } from '../../../src/api';
import { runCli } from '../../../src/cli/run';
import {
  InferenceService,
  KaitoWorkspace,
  TuningJob,
  type AdapterSpec,
  type DataSource,
  type PlacementArgs,
} from '../../../src/pulumi';
import { runProgram, valueOf } from './harness';

/*
 * One source of truth: for every seed manifest, the objects the Pulumi components declare equal what
 * `kaito render` prints, object by object, in the same order. Direct mode: the intent-level component built
 * from the seed's fields against `kaito render --mode direct --nodes byo`; operator mode: the adopted
 * Workspace against `kaito render`.
 */

const seedDir = join(__dirname, '..', '..', 'fixtures', 'seed');
const seeds = readdirSync(seedDir).filter((f) => f.endsWith('.yaml'));

function kaitoRender(args: readonly string[]): Array<Record<string, unknown>> {
  let out = '';
  const code = runCli([...args, '-o', 'json'], {
    readFile: (p) => readFileSync(p, 'utf8'),
    readStdin: () => '',
    stdout: (t) => (out += t),
    stderr: () => undefined,
  });
  expect(code).toBe(0);
  return (JSON.parse(out) as { items: Array<Record<string, unknown>> }).items;
}

/** The intent-level component a user would write for a seed manifest, in direct mode. */
function componentFor(ws: Workspace): { resources: pulumi.CustomResource[] } {
  const placement: PlacementArgs = {
    metadata: { name: ws.metadata.name },
    instanceType: ws.resource.instanceType,
    labelSelector: ws.resource.labelSelector,
    mode: 'direct',
  };
  if (ws.inference !== undefined) {
    return new InferenceService('seed', {
      ...placement,
      preset: ws.inference.preset!.name,
      // The Pulumi args take plain (mutable) arrays; the core's are readonly.
      ...(ws.inference.adapters === undefined ? {} : { adapters: ws.inference.adapters as AdapterSpec[] }),
    });
  }
  const tuning = ws.tuning!;
  return new TuningJob('seed', {
    ...placement,
    preset: tuning.preset!.name,
    method: tuning.method!,
    input: tuning.input! as DataSource,
    output: tuning.output!,
  });
}

// The tuning seeds' placeholder output image is reported as a warning; not what these tests look at.
beforeAll(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

describe.each(seeds)('%s', (seed) => {
  const file = join(seedDir, seed);

  test('direct mode declares what kaito render --mode direct --nodes byo prints', async () => {
    let component: { resources: pulumi.CustomResource[] } | undefined;
    const { graph } = await runProgram(() => {
      component = componentFor(parseWorkspace(readFileSync(file, 'utf8')));
    });
    const urns = await Promise.all(component!.resources.map((r) => valueOf(r.urn)));
    const declared = urns.map((urn) => graph.registrations.find((r) => r.urn === urn)!);
    const printed = kaitoRender(['render', '--mode', 'direct', '--nodes', 'byo', file]);
    expect(declared.map((r) => r.inputs)).toEqual(printed);
    expect(declared.map((r) => r.type)).toEqual(
      printed.map((o) => `kubernetes:${o.apiVersion === 'v1' ? 'core/v1' : o.apiVersion}:${o.kind}`),
    );
  });

  test('operator mode declares the Workspace kaito render prints, plus the await annotation', async () => {
    const { graph } = await runProgram(() => KaitoWorkspace.fromYaml('seed', readFileSync(file, 'utf8')));
    const [workspace] = graph.ofType('kubernetes:kaito.sh/v1beta1:Workspace');
    const [printed] = kaitoRender(['render', file]);
    const metadata = printed.metadata as Record<string, unknown>;
    expect(workspace.inputs).toEqual({
      ...printed,
      metadata: { ...metadata, annotations: { 'pulumi.com/skipAwait': 'true' } },
    });
  });
});
