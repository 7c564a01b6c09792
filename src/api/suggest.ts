/** Names close to a misspelled one, for `did you mean` hints. */

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/**
 * Up to three known names closest to `name` (case does not count). By default only names near enough to be
 * a misspelling; with `anyDistance`, the three nearest whatever their distance.
 */
export function closestNames(name: string, known: readonly string[], anyDistance = false): string[] {
  const lower = name.toLowerCase();
  return [...new Set(known)]
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(({ d }) => anyDistance || d <= Math.max(3, Math.floor(lower.length / 3)))
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, 3)
    .map(({ k }) => k);
}
