/*
 * Benchmark: how long the Pulumi components take to declare 100 and 1,000 workspaces under Pulumi mocks,
 * and the peak memory of the process. Not a timed test: run it by hand (see bench/pulumi/README.md).
 *
 *   node_modules/.bin/node bench/pulumi/workspaces.ts [--runs 5]
 *
 * Each measurement runs in a fresh process and declares N InferenceServices (phi-3-mini-4k-instruct on
 * Standard_NC6s_v3) with one KaitoOperator:
 *
 * - operator: per service the component, a KaitoWorkspace and the Workspace resource;
 * - direct:   per service the component, a ConfigMap, two Services and a StatefulSet;
 * - bare:     the same objects as direct, declared as plain @pulumi/kubernetes resources without any
 *             component (the cost of Pulumi's registration alone), plus the operator's objects;
 * - core:     validation, planning and rendering only, without Pulumi.
 *
 * The time runs from the first constructor to the last registration the mocks answer; the peak is the
 * process's maximum resident set, which includes Node and the loaded modules (the resident set before
 * declaring is reported too). Medians over the runs.
 *
 * It measures the JavaScript users get: the sources are first compiled (tsconfig.build.json) into
 * node_modules/.cache/kaito-bench-pulumi. The script itself runs on Node's type stripping.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

const fs = require('node:fs') as typeof import('node:fs');
const path = require('node:path') as typeof import('node:path');
const childProcess = require('node:child_process') as typeof import('node:child_process');

type Mode = 'operator' | 'direct' | 'bare' | 'core';

interface Sample {
  readonly count: number;
  readonly mode: Mode;
  /** Resources registered (core: objects rendered). */
  readonly resources: number;
  readonly ms: number;
  readonly baselineRssMiB: number;
  readonly peakRssMiB: number;
}

const SIZES = [100, 1000];
const MODES: readonly Mode[] = ['operator', 'direct', 'bare', 'core'];

/** One measurement, in this process: prints a Sample as JSON. */
async function child(lib: string, count: number, mode: Mode): Promise<void> {
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  const k8s = require('@pulumi/kubernetes') as typeof import('@pulumi/kubernetes');
  const components = require(path.join(lib, 'pulumi')) as typeof import('../../src/pulumi');
  const core = require(lib) as typeof import('../../src');
  const settings = require('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> };
  let resources = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources++;
        return { id: `${args.name}_id`, state: args.inputs as Record<string, unknown> };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    'bench',
    'bench',
    false,
  );
  const workspace = (i: number) => ({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: `phi-${i}` },
    resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: `phi-${i}` } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
  });
  const bare = (name: string, o: import('../../src').KubeObject): void => {
    const a = o as never;
    if (o.kind === 'ConfigMap') new k8s.core.v1.ConfigMap(name, a);
    else if (o.kind === 'Service') new k8s.core.v1.Service(name, a);
    else if (o.kind === 'StatefulSet') new k8s.apps.v1.StatefulSet(name, a);
    else new k8s.apiextensions.CustomResource(name, a);
  };
  const baseline = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  if (mode === 'core') {
    for (let i = 0; i < count; i++) {
      const check = core.checkWorkspaceObject(workspace(i));
      resources += core.renderWorkspace(check.workspace!, check.plan!, { nodeProvisioner: 'byo' }).length;
    }
  } else if (mode === 'bare') {
    for (const o of core.renderOperator()) bare(`kaito-${o.kind}-${o.metadata.name}`, o);
    for (let i = 0; i < count; i++) {
      const check = core.checkWorkspaceObject(workspace(i));
      for (const o of core.renderWorkspace(check.workspace!, check.plan!, { nodeProvisioner: 'byo' })) {
        bare(`phi-${i}-${o.kind}-${o.metadata.name}`, o);
      }
    }
  } else {
    const operator = new components.KaitoOperator('kaito');
    for (let i = 0; i < count; i++) {
      new components.InferenceService(
        `phi-${i}`,
        { preset: 'phi-3-mini-4k-instruct', instanceType: 'Standard_NC6s_v3', mode },
        mode === 'operator' ? { operator } : {},
      );
    }
  }
  await settings.waitForRPCs();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const sample: Sample = {
    count,
    mode,
    resources,
    ms,
    baselineRssMiB: baseline / 2 ** 20,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Compiles the sources into node_modules/.cache (inside the project, so that the compiled code resolves the
 * project's packages); returns the directory.
 */
function build(): string {
  const root = path.resolve(__dirname, '..', '..');
  const lib = path.join(root, 'node_modules', '.cache', 'kaito-bench-pulumi');
  fs.rmSync(lib, { recursive: true, force: true });
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  childProcess.execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', lib]);
  return lib;
}

function main(): void {
  const at = process.argv.indexOf('--runs');
  const runs = at >= 0 ? Number(process.argv[at + 1]) : 5;
  const lib = build();
  const rows: string[] = [];
  for (const mode of MODES) {
    for (const count of SIZES) {
      const samples: Sample[] = [];
      for (let r = 0; r < runs; r++) {
        const out = childProcess.execFileSync(
          process.execPath,
          [...process.execArgv, __filename, '--child', lib, String(count), mode],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 },
        );
        samples.push(JSON.parse(out.trim().split('\n').at(-1)!) as Sample);
      }
      const ms = median(samples.map((s) => s.ms));
      const mib = (f: (s: Sample) => number) => median(samples.map(f)).toFixed(0);
      rows.push(
        `| ${mode} | ${count} | ${samples[0].resources} | ${ms.toFixed(0)} | ${(ms / count).toFixed(2)} | ` +
          `${mib((s) => s.baselineRssMiB)} | ${mib((s) => s.peakRssMiB)} |`,
      );
      process.stderr.write(`${mode} ${count}: ${samples.map((s) => s.ms.toFixed(0)).join(', ')} ms\n`);
    }
  }
  fs.rmSync(lib, { recursive: true, force: true });
  process.stdout.write(
    `Node ${process.version}, ${runs} runs each, medians\n\n` +
      '| mode | workspaces | resources | time (ms) | ms per workspace | RSS before (MiB) | peak RSS (MiB) |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
      `${rows.join('\n')}\n`,
  );
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  void child(process.argv[childAt + 1], Number(process.argv[childAt + 2]), process.argv[childAt + 3] as Mode);
} else {
  main();
}
