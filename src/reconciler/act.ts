import { LABEL_WORKSPACE } from '../api/types';
import type { KubeObject } from '../render/options';
import { APPLIED_HASH_ANNOTATION, FIELD_MANAGER, desiredHash, withAppliedHash } from './applied';
import type { WorkspaceEvent } from './conditions';
import { WORKSPACE_FINALIZER, type Decision, type ObjectConflict } from './decide';
import { isStatus, type KubeApi } from './http';
import type { EventRecorder } from './events';
import type { RawObject } from './observe';
import { ownershipOf } from './scope';
import type { Sources } from './sources';

/*
 * Carries out a Decision: the finalizer, NodeClaims to create and delete, the NodePool and the objects to
 * server-side apply,
 * the status, and events on the Workspace. Writes that would change nothing are not sent: an object is
 * applied again only when what is desired differs from what this process last applied, or the live object
 * is gone or was changed by someone else (its generation moved), so a converged system makes no writes.
 */

export { FIELD_MANAGER } from './applied';

const PLURALS: Readonly<Record<string, string>> = {
  ConfigMap: 'configmaps',
  Service: 'services',
  StatefulSet: 'statefulsets',
  Job: 'jobs',
  NodeClaim: 'nodeclaims',
  Machine: 'machines',
  Workspace: 'workspaces',
  Event: 'events',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Secret: 'secrets',
  NetworkPolicy: 'networkpolicies',
};

/** The API path of an object (or of its collection, without a name). */
export function objectPath(apiVersion: string, kind: string, namespace: string | undefined, name?: string): string {
  const plural = PLURALS[kind] ?? `${kind.toLowerCase()}s`;
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

interface Applied {
  readonly hash: string;
  readonly generation?: number;
}

/** Options of an {@link Actor}. */
export interface ActorOptions {
  readonly api: KubeApi;
  readonly sources: Sources;
  /** Sends the events on workspaces. */
  readonly events: EventRecorder;
}

/** Several actions of one reconcile failed. */
export class ActionsFailedError extends Error {
  constructor(readonly errors: readonly unknown[]) {
    super(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
  }
}

/** Executes decisions against the API server. */
export class Actor {
  /** What this process last applied, by workspace key, then by object. */
  private readonly applied = new Map<string, Map<string, Applied>>();

  constructor(private readonly options: ActorOptions) {}

  /** Forgets what was applied for a workspace that is gone. */
  forget(key: string): void {
    this.applied.delete(key);
  }

  /** Carries out `decision` for the workspace `key`, whose cached copy is `workspace`. */
  async act(key: string, workspace: RawObject, decision: Decision): Promise<void> {
    const { api, sources } = this.options;
    const meta = workspace.metadata ?? {};
    const ns = meta.namespace ?? '';
    const name = meta.name ?? '';
    const path = objectPath('kaito.sh/v1beta1', 'Workspace', ns, name);
    const finalizers = [...(meta.finalizers ?? [])];
    let current = workspace;
    if (decision.finalizer === 'add')
      current = await this.patchFinalizers(path, current, [...finalizers, WORKSPACE_FINALIZER]);

    const events: WorkspaceEvent[] = [];
    const failures: unknown[] = [];
    const attempt = async (work: () => Promise<void>) => work().catch((e: unknown) => void failures.push(e));
    // The status describes what was observed, so it is written alongside the actions, not after them.
    let written: RawObject | undefined;
    let statusFailure: unknown;
    const status = decision.status;
    await Promise.all([
      ...decision.create.map((o) => attempt(() => this.create(workspace, o, events))),
      ...decision.delete.map((ref) =>
        attempt(async () => {
          await api.request('DELETE', objectPath(ref.apiVersion, ref.kind, undefined, ref.name)).catch((e) => {
            if (!isStatus(e, 404)) throw e;
          });
          this.options.events.note(workspace, `deleted ${ref.kind} ${ref.name}`, { reason: `${ref.kind}Deleted` });
        }),
      ),
      ...(decision.provision ?? []).map((o) =>
        attempt(async () => {
          if (await this.apply(key, o))
            this.options.events.note(workspace, `applied ${o.kind} ${o.metadata.name}`, { reason: `${o.kind}Applied` });
        }),
      ),
      ...decision.apply.map((o) => attempt(async () => void (await this.apply(key, o)))),
      status &&
        api
          .request<RawObject>('PATCH', `${path}/status`, {
            contentType: 'application/merge-patch+json',
            body: { metadata: { resourceVersion: current.metadata?.resourceVersion }, status },
          })
          .then(
            (w) => void (written = w),
            (e: unknown) => void (statusFailure = e),
          ),
    ]);
    if (written !== undefined) {
      current = written;
      sources.workspaces.upsert(current);
    }
    // Events of a status that was not written come again when it is (the status write is retried).
    this.options.events.record(current, statusFailure === undefined ? [...events, ...decision.events] : events);
    if (statusFailure !== undefined) throw statusFailure;
    if (failures.length > 0) throw failures.length === 1 ? failures[0] : new ActionsFailedError(failures);
    if (decision.finalizer === 'remove') {
      const rest = (current.metadata?.finalizers ?? []).filter((f) => f !== WORKSPACE_FINALIZER);
      await this.patchFinalizers(path, current, rest);
      this.forget(key);
    }
  }

  /**
   * The objects among `objects` whose names are taken, in the workspace's namespace, by objects that are not
   * the workspace's. Of the kinds with a cache of every name in scope (Services, ConfigMaps, StatefulSets,
   * Jobs), a name missing there is free; others (NodePools, NetworkPolicies) are read from the API server
   * (404: the name is free).
   */
  async conflicts(workspace: RawObject, objects: readonly KubeObject[]): Promise<ObjectConflict[]> {
    const found = await Promise.all(
      objects.map(async (object): Promise<ObjectConflict | undefined> => {
        const ownership = ownershipOf(await this.holderOf(object), workspace);
        if (ownership.kind !== 'foreign') return undefined;
        const { name } = object.metadata;
        return { kind: object.kind, name, ...(ownership.owner ? { owner: ownership.owner } : {}) };
      }),
    );
    return found.filter((c): c is ObjectConflict => c !== undefined);
  }

  /** The object that has `object`'s name now, if any: from the caches where they know, else from the server. */
  private async holderOf(object: KubeObject): Promise<RawObject | undefined> {
    const { sources, api } = this.options;
    const { namespace, name } = object.metadata;
    const key = namespace ? `${namespace}/${name}` : name;
    const cached = sources.cacheFor(object.kind)?.get(key);
    if (cached !== undefined) return cached;
    // Workers start once every cache is synced: a name this cache does not hold is free.
    const names = sources.namesFor(object.kind);
    if (names !== undefined) return names.get(key);
    return api
      .request<RawObject>('GET', objectPath(object.apiVersion, object.kind, namespace, name))
      .catch((e: unknown) => {
        if (isStatus(e, 404)) return undefined;
        throw e;
      });
  }

  /** Sets the finalizers, if the workspace did not change since `current` (resourceVersion precondition). */
  private async patchFinalizers(path: string, current: RawObject, finalizers: string[]): Promise<RawObject> {
    const updated = await this.options.api.request<RawObject>('PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers, resourceVersion: current.metadata?.resourceVersion } },
    });
    this.options.sources.workspaces.upsert(updated);
    return updated;
  }

  /** Creates a NodeClaim or Machine; one that exists already is fine (names are deterministic). */
  private async create(workspace: RawObject, object: KubeObject, events: WorkspaceEvent[]): Promise<void> {
    const path = objectPath(object.apiVersion, object.kind, object.metadata.namespace);
    try {
      const created = await this.options.api.request<RawObject>('POST', path, { body: object });
      this.options.sources.cacheFor(object.kind)?.upsert(created);
      // Logged, not an event: nobody acts on it, and a workspace of many nodes would make one per node.
      this.options.events.note(workspace, `created ${object.kind} ${object.metadata.name}`, {
        reason: `${object.kind}Created`,
      });
    } catch (e) {
      if (isStatus(e, 409)) return;
      const message = `could not create ${object.kind} ${object.metadata.name}: ${(e as Error).message}`;
      events.push({ type: 'Warning', reason: `${object.kind}CreationFailed`, message });
      throw e;
    }
  }

  /**
   * Server-side applies `object`, unless this process applied the same and it still exists unchanged, or
   * (a process that applied nothing yet, as after a restart) the live object carries the same digest from
   * the reconciler's last write; true when the object was not in the cache before (the apply created it).
   */
  private async apply(key: string, object: KubeObject): Promise<boolean> {
    const { namespace, name } = object.metadata;
    const id = `${object.apiVersion}/${object.kind}/${namespace ?? ''}/${name}`;
    const hash = desiredHash(object);
    const records = this.applied.get(key) ?? new Map<string, Applied>();
    this.applied.set(key, records);
    const last = records.get(id);
    const cache = this.options.sources.cacheFor(object.kind);
    const live = cache?.get(namespace ? `${namespace}/${name}` : name);
    const generation = live?.metadata?.generation;
    if (last === undefined && live?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash) {
      records.set(id, { hash, ...(generation !== undefined ? { generation } : {}) });
      return false;
    }
    // Kinds without a cache (the egress NetworkPolicy) are applied again only when what is desired changes.
    if (
      last?.hash === hash &&
      (cache === undefined || (live !== undefined && (last.generation === undefined || generation === last.generation)))
    ) {
      return false;
    }
    // Force only over an object of a workspace's (labelled; `conflicts` checked it is this one's). A new one
    // is applied without force: should someone create it in between, fields they set conflict instead of
    // moving. The caches of Services and ConfigMaps hold everyone's.
    const ours = live?.metadata?.labels?.[LABEL_WORKSPACE] !== undefined;
    const applied = await this.options.api.request<RawObject>(
      'PATCH',
      objectPath(object.apiVersion, object.kind, namespace, name),
      {
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: FIELD_MANAGER, ...(ours ? { force: true } : {}) },
        body: withAppliedHash(object, hash),
      },
    );
    cache?.upsert(applied);
    const appliedGeneration = applied.metadata?.generation;
    records.set(id, { hash, ...(appliedGeneration !== undefined ? { generation: appliedGeneration } : {}) });
    return cache !== undefined && !ours;
  }
}
