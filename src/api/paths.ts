import type { Problem } from './problems';

/**
 * How the field paths of a Workspace (`inference.preset.name`) read in the props of a construct or
 * component (`preset`): `[from, to]` pairs; an empty `to` drops the prefix.
 */
export type PathRules = ReadonlyArray<readonly [from: string, to: string]>;

/** Whether `path` is `prefix` or lies under it (`prefix.x`, `prefix[0]`); every path lies under `''`. */
function under(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** One path rewritten by the longest rule whose prefix it lies under; kept when no rule covers it. */
export function remapPath(path: string, rules: PathRules): string {
  let best: readonly [string, string] | undefined;
  for (const rule of rules) {
    if (under(path, rule[0]) && (best === undefined || rule[0].length > best[0].length)) best = rule;
  }
  if (best === undefined) return path;
  const [from, to] = best;
  const rest = path.slice(from.length);
  return to === '' ? rest.replace(/^\./, '') : `${to}${rest}`;
}

/** Problems with their paths rewritten by {@link remapPath}. */
export function remapPaths(problems: readonly Problem[], rules: PathRules): Problem[] {
  return problems.map((p) => ({ ...p, path: remapPath(p.path, rules) }));
}
