/** One thing wrong with an input, at a field path such as `inference.adapters[1].strength`. */
export interface Problem {
  /** Dotted field path from the object root; empty for the object as a whole. */
  readonly path: string;
  readonly message: string;
  /** Warnings do not make the input invalid. */
  readonly severity: 'error' | 'warning';
}

export function error(path: string, message: string): Problem {
  return { path, message, severity: 'error' };
}

export function warning(path: string, message: string): Problem {
  return { path, message, severity: 'warning' };
}

/** `path: message`, or the message alone at the root. */
export function formatProblem(problem: Problem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
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

/** Appends a property or index to a path. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
