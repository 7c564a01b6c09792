import { checkValue } from './limits';
import { readYamlText } from './parse-yaml';
import { error, type Problem } from './problems';

/** One document of an input: the plain object, or why it could not be read as one. */
export interface RawDocument {
  /** Zero-based position of the document in a multi-document input. */
  readonly index: number;
  readonly value?: Record<string, unknown>;
  readonly problems: readonly Problem[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits YAML or JSON text (several `---` documents allowed, comments fine) or an already parsed object
 * into plain objects. Empty documents are skipped. Input over the limits (INPUT_LIMITS: size, documents,
 * nesting, aliases) is one problem that names the limit.
 */
export function readDocuments(input: string | object): RawDocument[] {
  if (typeof input !== 'string') {
    const problem = checkValue(input);
    if (problem !== undefined) return [{ index: 0, problems: [problem] }];
    return [isObject(input) ? { index: 0, value: input, problems: [] } : notAnObject(0)];
  }
  return readYamlText(input).flatMap((doc): RawDocument[] => {
    if (doc.value === undefined) return doc.problems.length > 0 ? [{ index: doc.index, problems: doc.problems }] : [];
    if (doc.value === null) return [];
    return [isObject(doc.value) ? { index: doc.index, value: doc.value, problems: [] } : notAnObject(doc.index)];
  });
}

/**
 * Kinds (core `v1`) that may sit beside Workspaces in one file, as in Kaito's examples: the inference config,
 * the Hugging Face token, a volume for tuning data. `kubectl apply` takes such files whole; here the Workspaces
 * are checked and these are passed over (and kept where the file is rendered or adopted).
 */
export const COMPANION_KINDS = ['ConfigMap', 'Secret', 'PersistentVolumeClaim'] as const;

/** A document of a companion kind, kept as written. */
export interface CompanionDocument {
  /** Zero-based position of the document in its input. */
  readonly index: number;
  readonly value: Record<string, unknown> & {
    readonly apiVersion: 'v1';
    readonly kind: (typeof COMPANION_KINDS)[number];
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  };
}

/** The documents of an input: the ones to check as Workspaces, and the companions beside them. */
export interface ManifestDocuments {
  readonly workspaces: readonly RawDocument[];
  readonly companions: readonly CompanionDocument[];
}

function isCompanion(doc: RawDocument): doc is RawDocument & CompanionDocument {
  const value = doc.value;
  if (value === undefined || value.apiVersion !== 'v1') return false;
  if (!(COMPANION_KINDS as readonly unknown[]).includes(value.kind)) return false;
  const metadata = value.metadata;
  return isObject(metadata) && typeof metadata.name === 'string' && metadata.name !== '';
}

/**
 * {@link readDocuments}, with the ConfigMaps, Secrets and PersistentVolumeClaims that sit beside Workspaces set
 * apart. A file without any other document is checked whole as Workspaces, so that a lone ConfigMap is an
 * error ("kind: must be Workspace") rather than an empty success.
 */
export function splitManifest(input: string | object): ManifestDocuments {
  const documents = readDocuments(input);
  const companions = documents.filter(isCompanion);
  if (companions.length === documents.length) return { workspaces: documents, companions: [] };
  return {
    workspaces: documents.filter((d) => !isCompanion(d)),
    companions: companions.map((d) => ({ index: d.index, value: d.value })),
  };
}

function notAnObject(index: number): RawDocument {
  return { index, problems: [error('', 'must be a YAML or JSON object (a Kubernetes manifest)')] };
}

export { normalizeWorkspace, workspaceVersionOf } from './normalize';
