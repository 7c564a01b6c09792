import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { Job } from 'kubernetes-types/batch/v1';
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import { parseWorkspace, type Workspace } from '../../../src/api';
import { planWorkspace, type WorkspacePlan } from '../../../src/plan';
import type { KubeObject } from '../../../src/render';

export const SEED_DIR = join(__dirname, '..', '..', 'fixtures', 'seed');

/** The five seed examples, as their users wrote them. */
export const SEED_FILES = [
  'phi-3-mini-inference.yaml',
  'phi-3-mini-inference-with-adapters.yaml',
  'phi-3-mini-128k-qlora-tuning.yaml',
  'phi-3-mini-128k-qlora-tuning-adapter.yaml',
  'phi-3-mini-4k-qlora-tuning.yaml',
] as const;

export function seed(file: string): { ws: Workspace; plan: WorkspacePlan } {
  const ws = parseWorkspace(readFileSync(join(SEED_DIR, file), 'utf8'));
  return { ws, plan: planWorkspace(ws) };
}

/** A v1beta1 workspace built from parts, validated and planned like a user's. */
export function workspace(parts: Record<string, unknown>): { ws: Workspace; plan: WorkspacePlan } {
  const ws = parseWorkspace({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'ws', namespace: 'ml' },
    resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
    ...parts,
  });
  return { ws, plan: planWorkspace(ws) };
}

export const asStatefulSet = (o: KubeObject): StatefulSet => o as unknown as StatefulSet;
export const asJob = (o: KubeObject): Job => o as unknown as Job;

export function podOf(o: KubeObject): PodSpec {
  const spec = (o as unknown as StatefulSet | Job).spec?.template?.spec;
  if (spec === undefined) throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
  return spec;
}

export function container(spec: PodSpec, name: string): Container {
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

export function byKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}
