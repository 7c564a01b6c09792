import { childPath, error, type Problem } from './problems';

/*
 * Bounds on what the library reads, in one place: the CLI, the faces and the reconciler read input through
 * these checks, so no input can make them run out of memory or stack before an error names the limit.
 */

/** Bounds on one YAML or JSON input. */
export interface InputLimits {
  /**
   * Bytes of one text (a file, stdin, a string): the Kubernetes API server refuses request bodies larger
   * than 3 MiB, so no larger manifest can be applied either.
   */
  readonly maxBytes: number;
  /**
   * One document or object as JSON, with its YAML aliases expanded: twice `maxBytes`, so that any text within
   * `maxBytes` fits (JSON spends more bytes than YAML on quotes and braces), while aliases cannot multiply a
   * document past it.
   */
  readonly maxValueBytes: number;
  /** Documents (`---`) in one text: far more Workspaces than a repository keeps in one file. */
  readonly maxDocuments: number;
  /**
   * The `yaml` package's `maxAliasCount`: how many nodes alias expansion may produce (a billion-laughs
   * document is refused before it expands).
   */
  readonly maxAliasCount: number;
  /**
   * Nesting of mappings and sequences. The deepest Workspace field, inside a pod template's affinity
   * terms, is about 15 levels down; deeper input only exhausts the parser's stack.
   */
  readonly maxDepth: number;
}

/** The limits every reader applies. */
export const INPUT_LIMITS: InputLimits = {
  maxBytes: 3 * 1024 * 1024,
  maxValueBytes: 6 * 1024 * 1024,
  maxDocuments: 1000,
  maxAliasCount: 100,
  maxDepth: 64,
};

/**
 * The most nodes one workspace may ask for (`resource.count`): an AKS node pool holds at most 1,000 nodes,
 * and Kaito's largest presets need a handful.
 */
export const MAX_NODE_COUNT = 1000;

function mib(bytes: number): string {
  return `${bytes / (1024 * 1024)} MiB (${bytes} bytes)`;
}

/** The problem of a text over the size limit, if it is. */
export function checkTextSize(text: string, limits: InputLimits = INPUT_LIMITS): Problem | undefined {
  // Each UTF-16 unit is at most 3 bytes of UTF-8: most texts are decided without counting.
  if (text.length <= limits.maxBytes / 3 || Buffer.byteLength(text, 'utf8') <= limits.maxBytes) return undefined;
  return error(
    '',
    `input is larger than ${mib(limits.maxBytes)}, the limit (the Kubernetes API server's request size limit); split it into several files`,
  );
}

/** The problem of a text with too many documents. */
export function tooManyDocuments(limits: InputLimits = INPUT_LIMITS): Problem {
  return error('', `input has more than ${limits.maxDocuments} documents, the limit; split it into several files`);
}

/** The problem of nesting over the depth limit, at `path`. */
export function tooDeep(path: string, limits: InputLimits = INPUT_LIMITS): Problem {
  return error(path, `nested more than ${limits.maxDepth} levels deep, the limit`);
}

/** The problem of alias expansion over its limit. */
export function tooManyAliases(limits: InputLimits = INPUT_LIMITS): Problem {
  return error(
    '',
    `YAML aliases expand to more than ${limits.maxAliasCount} nodes, the limit; write the repeated values out`,
  );
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return typeof value;
}

/**
 * Checks that a value is plain JSON data (objects, arrays, strings, finite numbers, booleans, null) within
 * the depth limit and, written as JSON, within `maxValueBytes` (a document whose YAML aliases multiply it
 * is refused before anything copies it). Stops at the first problem, so it costs at most the limits, whatever
 * the value: shared references are counted each time they occur, and a cycle is nesting without end.
 */
export function checkValue(value: unknown, limits: InputLimits = INPUT_LIMITS, root = ''): Problem | undefined {
  let size = 0;
  const visit = (v: unknown, path: string, depth: number): Problem | undefined => {
    if (v === null || typeof v === 'boolean') {
      size += 5;
    } else if (typeof v === 'string') {
      size += v.length + 2;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return error(path, `must be a finite number, got ${v}`);
      size += 8;
    } else if (typeof v === 'object') {
      if (depth >= limits.maxDepth) return tooDeep(path, limits);
      size += 2;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const problem = visit(v[i], childPath(path, i), depth + 1);
          if (problem !== undefined) return problem;
        }
      } else {
        if (!isPlainObject(v)) return error(path, `must be plain JSON data, got a ${kindOf(v)}`);
        for (const key of Object.keys(v)) {
          const child = (v as Record<string, unknown>)[key];
          if (child === undefined) continue;
          size += key.length + 4;
          const problem = visit(child, childPath(path, key), depth + 1);
          if (problem !== undefined) return problem;
        }
      }
    } else if (v !== undefined) {
      return error(path, `must be plain JSON data, got a ${kindOf(v)}`);
    }
    if (size > limits.maxValueBytes) {
      return error(
        root,
        `larger than ${mib(limits.maxValueBytes)} as JSON, the limit, counting every YAML alias expanded`,
      );
    }
    return undefined;
  };
  return visit(value, root, 0);
}
