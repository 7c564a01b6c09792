import { readDocuments } from './parse';
import { error, type Problem } from './problems';

/** Metadata the API server sets; a manifest exported with `kubectl get -o yaml` carries it. */
export const SERVER_METADATA: readonly string[] = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'finalizers',
  'ownerReferences',
];
/** The annotation `kubectl apply` keeps its last input in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A manifest without what the API server wrote into it: `status`, the server-set metadata
 * ({@link SERVER_METADATA}) and kubectl's last-applied annotation. What is left is what its author declared,
 * so adopting an exported object does not pin a stale `resourceVersion` or owner.
 */
export function withoutServerFields(value: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, metadata, ...body } = value;
  if (!isObject(metadata)) return metadata === undefined ? body : { ...body, metadata };
  const meta: Record<string, unknown> = { ...metadata };
  for (const key of SERVER_METADATA) delete meta[key];
  if (isObject(meta.annotations)) {
    const { [LAST_APPLIED_ANNOTATION]: _last, ...annotations } = meta.annotations;
    if (Object.keys(annotations).length > 0) meta.annotations = annotations;
    else delete meta.annotations;
  }
  return { ...body, metadata: meta };
}

/** The one manifest of an adopted text (or object), without server fields, or why it cannot be adopted. */
export interface AdoptedManifest {
  readonly value?: Record<string, unknown>;
  readonly problems: readonly Problem[];
}

/**
 * Reads the one Workspace manifest of YAML or JSON text, or of a parsed object, for `fromYaml`: exactly one
 * document, returned {@link withoutServerFields}. Validation is the caller's next step.
 */
export function adoptManifest(input: string | object): AdoptedManifest {
  const documents = readDocuments(input);
  const problems = documents.flatMap((d) => d.problems);
  if (problems.length > 0) return { problems };
  if (documents.length !== 1) {
    return { problems: [error('', `expected exactly one Workspace, found ${documents.length} documents`)] };
  }
  return { value: withoutServerFields(documents[0].value!), problems: [] };
}
