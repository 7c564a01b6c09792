import { MSG } from './messages';
import { error, ValidationError, type Problem } from './problems';
import { DNS1123_LABEL } from './schema';

const LABEL = new RegExp(DNS1123_LABEL);

/** Whether `value` is a DNS-1123 label: at most 63 lower-case letters, digits and `-`, alphanumeric at both ends. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && LABEL.test(value);
}

/**
 * The problem with `value` as a DNS-1123 label (an object or namespace name), or undefined when it is one.
 * Names reach node labels, DNS names and the pods' scripts, so anything else is refused, whatever its type.
 */
export function dnsLabelProblem(value: unknown, path: string): Problem | undefined {
  if (isDnsLabel(value)) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value) : `a ${Array.isArray(value) ? 'list' : typeof value}`;
  return error(path, `${shown} ${MSG.nameDns1123Label}`);
}

/** Throws a {@link ValidationError} naming `path` unless `value` is a DNS-1123 label. */
export function assertDnsLabel(value: unknown, path: string, subject: string): void {
  const problem = dnsLabelProblem(value, path);
  if (problem !== undefined) throw new ValidationError([problem], subject);
}
