import { createHash } from 'node:crypto';
import type { KubeObject } from '../render/options';
import type { RawObject } from './observe';

/*
 * What an applied object says about its last apply, so that a restarted reconciler need not apply again
 * what it applied before: each object carries the digest of what was desired, and its managed fields tell
 * whether anyone wrote it after the reconciler did.
 */

/** The field manager of every server-side apply. */
export const FIELD_MANAGER = 'kaito-reconciler';

/** The digest of the desired object, on each object the reconciler applies. */
export const APPLIED_HASH_ANNOTATION = 'kaito.sh/applied-hash';

/** The digest of an object as desired (before the annotation is added). */
export function desiredHash(object: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('base64url');
}

/** `object` with its digest annotated. */
export function withAppliedHash(object: KubeObject, hash: string): KubeObject {
  const { metadata } = object;
  return {
    ...object,
    metadata: { ...metadata, annotations: { ...metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } },
  };
}

/** What of a managed-fields entry the check reads. */
interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly time?: string;
}

/**
 * The digest annotated on a live object, when the reconciler's apply is its last write: the reconciler's
 * Apply entry is newer than every other manager's entry outside `status` (an `Update` of `scale` by
 * `kubectl scale`, another client's apply; entries carry seconds, so a tie counts as a later write).
 * Undefined otherwise, or without managed fields.
 */
export function lastAppliedHash(metadata: RawObject['metadata']): string | undefined {
  // Every cached object passes here on every change: most carry no digest, and are done with at once.
  const hash = metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  const managed = metadata?.managedFields;
  if (hash === undefined || !Array.isArray(managed)) return undefined;
  const entries = (managed as ManagedFieldsEntry[]).filter((e) => e.subresource !== 'status');
  if (entries.length === 0) return undefined;
  const ours = entries.filter((e) => e.manager === FIELD_MANAGER && e.operation === 'Apply');
  if (ours.length !== 1 || ours[0]!.time === undefined) return undefined;
  const at = ours[0]!.time;
  return entries.every((e) => e === ours[0] || (e.time !== undefined && e.time < at)) ? hash : undefined;
}
