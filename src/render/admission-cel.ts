import { celString } from '../api/schema';

/*
 * Small builders of CEL text for the Workspace admission policy (./admission-rules, ./admission-fit).
 */

/** A policy variable: `variables.<name>` in later expressions. */
export interface PolicyVariable {
  readonly name: string;
  readonly expression: string;
}

/** One validation: `expression` must be true; otherwise the request is refused with `messageExpression`. */
export interface PolicyValidation {
  readonly expression: string;
  /** Shown when `messageExpression` cannot be (for instance a message over 5 KiB). */
  readonly message: string;
  readonly messageExpression: string;
}

/** A number as a CEL double literal. */
export const dbl = (n: number): string => (Number.isInteger(n) ? `${n}.0` : String(n));
/** `text` as a CEL string literal. */
export const lit = celString;
/** A CEL string expression JSON-quoted as JSON.stringify quotes it (backslash, quote and the usual controls). */
export function quoted(expression: string): string {
  // CEL literals: each pair replaces the first with the second.
  const escapes: ReadonlyArray<readonly [string, string]> = [
    [String.raw`'\\'`, String.raw`'\\\\'`],
    [`'"'`, String.raw`'\\"'`],
    ...['n', 'r', 't', 'b', 'f'].map((c) => [`'\\${c}'`, `'\\\\${c}'`] as const),
  ];
  const body = escapes.reduce((e, [from, to]) => `${e}.replace(${from}, ${to})`, `(${expression})`);
  return `'"' + ${body} + '"'`;
}
/** A CEL double printed as JavaScript prints the number (whole numbers without a fraction). */
export const printed = (e: string): string => `(double(int(${e})) == (${e}) ? string(int(${e})) : string(${e}))`;
/** Math.round(n * 100) / 100 of a non-negative CEL double. */
export const round2 = (e: string): string => `(double(int((${e}) * 100.0 + 0.5)) / 100.0)`;
/** `path: message` as formatProblem prints it. */
export const at = (path: string, message: string): string => `${lit(`${path}: `)} + ${message}`;
/** ' <label>: a, b, c' when the list is not empty. */
export const fitsHint = (list: string, label: string): string =>
  `(${list}.size() > 0 ? ${lit(` ${label}: `)} + ${list}.join(', ') : '')`;

/** A policy variable read in a later expression. */
export const v = (name: string) => `variables.${name}`;
