/** One thing wrong with an input, at a field path such as `inference.adapters[1].strength`. */
export interface Problem {
  /** Dotted field path from the object root; empty for the object as a whole. */
  readonly path: string;
  readonly message: string;
  /** Warnings do not make the input invalid. */
  readonly severity: 'error' | 'warning';
  /** 1-based line in the input text, for problems found while reading the text itself (YAML syntax). */
  readonly line?: number;
  /** 1-based column of {@link line}. */
  readonly column?: number;
}

export function error(path: string, message: string): Problem {
  return { path, message, severity: 'error' };
}

export function warning(path: string, message: string): Problem {
  return { path, message, severity: 'warning' };
}

/** `path: message`, or the message alone at the root; `line L, column C: message` where the text says where. */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? '' : `line ${problem.line}, column ${problem.column ?? 1}: `;
  return problem.path === '' ? `${where}${problem.message}` : `${problem.path}: ${where}${problem.message}`;
}

/** Thrown when an input has errors; carries every problem found, not just the first. */
export class ValidationError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], subject = 'Workspace') {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`${subject} is invalid:\n${errors.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Property names and dotted sub-paths (`source.name`); label and annotation keys have a `/` or other marks. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Appends a property or index to a path; a key such as `kaito.sh/runtime` goes in brackets. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number' || !PLAIN_KEY.test(key)) return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
