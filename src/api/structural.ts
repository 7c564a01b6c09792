import type { JSONSchemaProps } from './schema';
import { childPath, error, warning, type Problem } from './problems';
import { closestNames } from './suggest';

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

/** A value as the user wrote it, cut to a line (a huge string or object would drown the message). */
export function quote(value: unknown): string {
  const text =
    typeof value === 'string' || (typeof value === 'object' && value !== null) ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** How {@link checkStructure} treats fields the schema does not name. */
export interface StructureOptions {
  /**
   * Unknown fields are errors (`kaito validate --strict`), not warnings: the API server would drop them, so a
   * misspelled field silently loses what it said.
   * @default false
   */
  readonly strict?: boolean;
}

export function checkStructure(
  schema: JSONSchemaProps,
  value: unknown,
  path = '',
  options: StructureOptions = {},
): Problem[] {
  const problems: Problem[] = [];
  visit(schema, value, path, problems, options);
  return problems;
}

/** `unknown field` with the field it may be a misspelling of, and the default that applies without it. */
function unknownField(
  key: string,
  path: string,
  schema: JSONSchemaProps,
  object: Record<string, unknown>,
  options: StructureOptions,
): Problem {
  const known = Object.keys(schema.properties ?? {});
  const [near] = closestNames(key, known);
  let message = 'unknown field; the API server drops it';
  if (near !== undefined) {
    message += `. Did you mean ${JSON.stringify(near)}?`;
    const fallback = schema.properties?.[near]?.default;
    if (fallback !== undefined && object[near] === undefined) {
      message += ` Without it, ${childPath(path, near)} takes its default ${JSON.stringify(fallback)}`;
    }
  }
  return (options.strict ? error : warning)(childPath(path, key), message);
}

function visit(schema: JSONSchemaProps, value: unknown, path: string, out: Problem[], options: StructureOptions): void {
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
    if (items !== undefined) value.forEach((item, i) => visit(items, item, childPath(path, i), out, options));
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
      visit(known, child, childPath(path, key), out, options);
    } else if (typeof additional === 'object') {
      visit(additional, child, childPath(path, key), out, options);
    } else if (schema.properties !== undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
      out.push(unknownField(key, path, schema, object, options));
    }
  }
}
