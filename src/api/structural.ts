import type { JSONSchemaProps } from './schema';
import { childPath, error, warning, type Problem } from './problems';

/*
 * Checks a plain value against the structural part of an OpenAPI schema (types, required, enum, bounds,
 * unknown fields), the part the API server checks before CEL. Messages follow the API server's wording.
 */

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  if (expected === 'number') return actual === 'number' || actual === 'integer';
  return actual === expected;
}

/** Longest value an error message repeats: an input may hold megabytes. */
const QUOTE_MAX = 80;

/** A value as an error message shows it: on one line (JSON), and short. */
function quote(value: unknown): string {
  const text = typeof value === 'object' || typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX - 3)}...` : text;
}

export function checkStructure(schema: JSONSchemaProps, value: unknown, path = ''): Problem[] {
  const problems: Problem[] = [];
  visit(schema, value, path, problems);
  return problems;
}

function visit(schema: JSONSchemaProps, value: unknown, path: string, out: Problem[]): void {
  if (schema.type !== undefined && !matchesType(schema.type, value)) {
    const hint = schema.type === 'string' && typeof value === 'number' ? ` (quote it: "${value}")` : '';
    out.push(error(path, `must be of type ${schema.type}, got ${typeOf(value)} ${quote(value)}${hint}`));
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as never)) {
    out.push(error(path, `unsupported value ${quote(value)}: supported values: ${schema.enum.map(quote).join(', ')}`));
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      out.push(error(path, `must be at least ${schema.minLength} characters long`));
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      out.push(error(path, `must be at most ${schema.maxLength} characters long`));
    }
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) {
    out.push(error(path, `must be greater than or equal to ${schema.minimum}, got ${value}`));
  }
  if (typeof value === 'number' && schema.maximum !== undefined && value > schema.maximum) {
    out.push(error(path, `must be less than or equal to ${schema.maximum}, got ${value}`));
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      out.push(error(path, `must have at most ${schema.maxItems} items, has ${value.length}`));
    }
    const items = schema.items;
    if (items !== undefined) value.forEach((item, i) => visit(items, item, childPath(path, i), out));
    return;
  }
  if (typeOf(value) !== 'object') return;
  const object = value as Record<string, unknown>;
  for (const key of schema.required ?? []) {
    if (object[key] === undefined) out.push(error(childPath(path, key), 'required value'));
  }
  if (schema.maxProperties !== undefined && Object.keys(object).length > schema.maxProperties) {
    out.push(error(path, `must have at most ${schema.maxProperties} entries`));
  }
  const additional = schema.additionalProperties;
  for (const [key, child] of Object.entries(object)) {
    if (child === undefined) continue;
    const known = schema.properties?.[key];
    if (known !== undefined) {
      visit(known, child, childPath(path, key), out);
    } else if (typeof additional === 'object') {
      visit(additional, child, childPath(path, key), out);
    } else if (schema.properties !== undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
      out.push(warning(childPath(path, key), 'unknown field; the API server drops it'));
    }
  }
}
