import * as pulumi from '@pulumi/pulumi';
import { childPath, formatProblem, type Problem } from '../api';

/** Type token prefix of every component of this package (`<package>:<module>:<Type>`). */
export const TYPE_PREFIX = 'kaito-constructs:index:';

/**
 * The error a component throws, before it registers anything, when its args are invalid: a Pulumi
 * `InputPropertiesError` whose message names every bad field (`model: unknown preset ...`) and whose
 * `errors` carry each field path and reason, so the engine can point at them.
 */
export function invalidArgs(
  component: string,
  name: string,
  problems: readonly Problem[],
): pulumi.InputPropertiesError {
  const errors = problems.filter((p) => p.severity === 'error');
  return new pulumi.InputPropertiesError({
    message: `${component} "${name}" has invalid args:\n${errors.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    errors: errors.map((p) => ({ propertyPath: p.path, reason: p.message })),
  });
}

/** Throws {@link invalidArgs} when any problem is an error; returns the warnings otherwise. */
export function throwOnErrors(component: string, name: string, problems: readonly Problem[]): Problem[] {
  if (problems.some((p) => p.severity === 'error')) throw invalidArgs(component, name, problems);
  return problems.filter((p) => p.severity === 'warning');
}

/** Logs warnings against the component (after it is registered). */
export function logWarnings(resource: pulumi.Resource, warnings: readonly Problem[]): void {
  for (const w of warnings) void pulumi.log.warn(formatProblem(w), resource);
}

/**
 * Problems for every Pulumi `Output` or promise inside a value that must be plain: the workspace is
 * validated, planned and rendered when the component is constructed, so its fields must be known then.
 */
export function plainValueProblems(value: unknown, path: string, out: Problem[] = []): Problem[] {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) {
    out.push({
      path,
      message: 'must be a plain value, not an Output or a promise: it is validated when the component is constructed',
      severity: 'error',
    });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => plainValueProblems(v, childPath(path, i), out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) plainValueProblems(v, childPath(path, k), out);
  }
  return out;
}

/**
 * Problems for keys of the args that are component options: what only a TypeScript program can hand over
 * (resources and objects of this package) goes in the options, the third argument.
 */
export function movedToOptions(args: object, keys: readonly string[]): Problem[] {
  return keys
    .filter((k) => k in args)
    .map((k) => ({
      path: k,
      message: `is a component option: pass it in the options, the third argument ({ ${k} })`,
      severity: 'error' as const,
    }));
}
