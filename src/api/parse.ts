import { parseAllDocuments } from 'yaml';
import { error, type Problem } from './problems';
import {
  KAITO_GROUP,
  STORAGE_VERSION,
  V1ALPHA1_DEFAULT_INSTANCE_TYPE,
  WORKSPACE_VERSIONS,
  type Workspace,
  type WorkspaceVersion,
} from './types';

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
 * into plain objects. Empty documents are skipped.
 */
export function readDocuments(input: string | object): RawDocument[] {
  if (typeof input !== 'string') {
    return [isObject(input) ? { index: 0, value: input, problems: [] } : notAnObject(0)];
  }
  const documents = parseAllDocuments(input, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const out: RawDocument[] = [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const line = e.linePos?.[0];
      const where = line === undefined ? '' : ` at line ${line.line}, column ${line.col}`;
      out.push({ index, problems: [error('', `not valid YAML${where}: ${e.message.split('\n')[0]}`)] });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    out.push(isObject(value) ? { index, value, problems: [] } : notAnObject(index));
  });
  return out;
}

function notAnObject(index: number): RawDocument {
  return { index, problems: [error('', 'must be a YAML or JSON object (a Kubernetes manifest)')] };
}

/** The Workspace version an object declares, or a problem. */
export function workspaceVersionOf(value: Record<string, unknown>): WorkspaceVersion | Problem {
  const apiVersion = value.apiVersion;
  const kind = value.kind;
  if (kind !== 'Workspace') {
    return error('kind', `must be "Workspace", got ${JSON.stringify(kind ?? null)}`);
  }
  const match = typeof apiVersion === 'string' ? /^kaito\.sh\/(.+)$/.exec(apiVersion) : null;
  const version = match?.[1];
  if (version === undefined || !(WORKSPACE_VERSIONS as readonly string[]).includes(version)) {
    return error(
      'apiVersion',
      `must be one of ${WORKSPACE_VERSIONS.map((v) => `${KAITO_GROUP}/${v}`).join(', ')}, got ${JSON.stringify(apiVersion ?? null)}`,
    );
  }
  return version as WorkspaceVersion;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Converts a structurally valid Workspace of either version to the internal (v1beta1) model. Fields the
 * model does not name are kept. v1alpha1 gets its CRD's `instanceType` default made explicit, since in
 * v1beta1 an absent instance type means bring-your-own nodes.
 */
export function normalizeWorkspace(value: Record<string, unknown>, version: WorkspaceVersion): Workspace {
  const copy = clone(value) as Record<string, unknown> & { resource?: Record<string, unknown> };
  copy.apiVersion = `${KAITO_GROUP}/${STORAGE_VERSION}`;
  if (version === 'v1alpha1' && copy.resource !== undefined && copy.resource.instanceType === undefined) {
    copy.resource = { ...copy.resource, instanceType: V1ALPHA1_DEFAULT_INSTANCE_TYPE };
  }
  return copy as unknown as Workspace;
}
