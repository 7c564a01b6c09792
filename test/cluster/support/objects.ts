import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { KubeApiError, KubeClient, KubeObject, apiPath } from './kube-client';
import { REPO_ROOT } from './kubeconfig';

/** Resource names (plural, namespaced) of each kind, read from discovery and cached per client. */
const discovered = new WeakMap<KubeClient, Map<string, { plural: string; namespaced: boolean }>>();

async function resourceOf(client: KubeClient, apiVersion: string, kind: string) {
  let cache = discovered.get(client);
  if (cache === undefined) {
    cache = new Map();
    discovered.set(client, cache);
  }
  const key = `${apiVersion}/${kind}`;
  if (!cache.has(key)) {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await client.get<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(path);
    for (const r of list.body.resources.filter((x) => !x.name.includes('/'))) {
      cache.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
    }
  }
  const found = cache.get(key);
  if (found === undefined) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
  return found;
}

/** The URL of an object, found through discovery. */
export async function objectPath(client: KubeClient, object: KubeObject, namespace?: string): Promise<string> {
  const { plural, namespaced } = await resourceOf(client, object.apiVersion!, object.kind!);
  return apiPath(object.apiVersion!, plural, {
    ...(namespaced ? { namespace: object.metadata?.namespace ?? namespace ?? 'default' } : {}),
    name: object.metadata!.name!,
  });
}

/**
 * Server-side applies `object` (field manager `kaito-tests`, forced) and returns what was stored; a CRD once it
 * is Established, so that the objects of its kind can follow.
 */
export async function applyObject(client: KubeClient, object: KubeObject, namespace?: string): Promise<KubeObject> {
  const withNamespace =
    namespace !== undefined && object.metadata?.namespace === undefined
      ? { ...object, metadata: { ...object.metadata, namespace } }
      : object;
  if (object.kind === 'CustomResourceDefinition') return installCrd(client, object);
  const path = await objectPath(client, withNamespace, namespace);
  const { body } = await client.apply<KubeObject>(path, withNamespace, { fieldManager: 'kaito-tests', force: true });
  appliedPaths.add(path);
  return body;
}

/** Paths of the objects `applyObject` applied (CRDs aside), for `deleteApplied`. */
const appliedPaths = new Set<string>();

/** Deletes what `applyObject` applied in this suite (newest first) and waits until it is gone. */
export async function deleteApplied(client: KubeClient, timeoutMs = 60_000): Promise<void> {
  const paths = [...appliedPaths].reverse();
  appliedPaths.clear();
  await deleteAndWait(client, paths, timeoutMs);
}

/** Whether the object at `path` exists (404: no; another error is thrown). */
export function exists(client: KubeClient, path: string): Promise<boolean> {
  return client.get(path).then(
    () => true,
    (e: unknown) => {
      if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
      return false;
    },
  );
}

/** Deletes the objects at `paths` (those already gone are fine) and waits until none is left. */
async function deleteAndWait(client: KubeClient, paths: readonly string[], timeoutMs: number): Promise<void> {
  // Background: a Job's pods go with it (a Job's own default is to orphan them).
  for (const path of paths) {
    await client.delete(path, { propagationPolicy: 'Background' }).catch((e: unknown) => {
      if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
    });
  }
  await client.waitFor(async () => {
    const left = await Promise.all(paths.map((path) => exists(client, path)));
    return left.every((l) => !l);
  }, timeoutMs);
}

/**
 * Field paths of `sent` that are missing from, or differ in, `stored`: what the structural schema pruned
 * or the server rewrote. The server may add fields (defaults, status); it must not drop or change ours.
 */
export function lostFields(sent: unknown, stored: unknown, path = ''): string[] {
  if (sent === null || typeof sent !== 'object') {
    return sent === stored || (typeof sent === 'number' && String(sent) === String(stored)) ? [] : [path || '<root>'];
  }
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored)) return [path];
    return sent.flatMap((item, i) => lostFields(item, stored[i], `${path}[${i}]`));
  }
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return [path];
  return Object.entries(sent as Record<string, unknown>).flatMap(([k, v]) =>
    lostFields(v, (stored as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`),
  );
}

/** Creates the namespace if needed. */
export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create('/api/v1/namespaces', { metadata: { name } }).catch((e: unknown) => {
    if (!(e instanceof KubeApiError) || e.status !== 409) throw e;
  });
}

/**
 * Deletes namespaces and waits until they are gone, so that what a suite stored does not outlive it: another
 * suite's reconciler, watching every namespace, would act on it.
 */
export function deleteNamespaces(client: KubeClient, names: Iterable<string>, timeoutMs = 60_000): Promise<void> {
  return deleteAndWait(
    client,
    [...names].map((name) => `/api/v1/namespaces/${name}`),
    timeoutMs,
  );
}

/** Applies a CRD and waits until it is Established; returns the stored CRD. */
export async function installCrd(client: KubeClient, crd: KubeObject): Promise<KubeObject> {
  const path = apiPath('apiextensions.k8s.io/v1', 'customresourcedefinitions', { name: crd.metadata!.name! });
  await client.apply(path, crd, { fieldManager: 'kaito-tests', force: true });
  return client.waitFor(async () => {
    const { body } = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
      path,
    );
    return body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? body : undefined;
  }, 30_000);
}

/** The Karpenter CRDs the tests need (the users' provisioner ships them; we keep fixtures). */
export function karpenterCrds(): KubeObject[] {
  return ['karpenter.sh_nodeclaims.yaml', 'karpenter.sh_nodepools.yaml'].map(
    (f) => parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'crds', f), 'utf8')) as KubeObject,
  );
}
