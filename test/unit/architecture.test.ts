import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/*
 * The layering of ../shared/DESIGN.md, held by the imports of every file under src/: the core (api, catalog,
 * plan, render) is pure and imports no face; the faces (cdk8s, pulumi, reconciler, cli) import the core and
 * themselves, never each other, and none takes another face's host library.
 */

const SRC = join(__dirname, '..', '..', 'src');
const CORE = new Set(['api', 'catalog', 'plan', 'render', 'index.ts']);
/** Packages the pure core may use: data formats and types, hashing. No I/O, no host library. */
const CORE_PACKAGES = [/^yaml$/, /^kubernetes-types\//, /^node:crypto$/];
/** The host libraries of each face: only that face may import them. */
const HOSTS: Record<string, RegExp[]> = {
  cdk8s: [/^cdk8s$/, /^cdk8s-plus-\d+$/, /^constructs$/],
  pulumi: [/^@pulumi\//],
  reconciler: [/^@kubernetes\/client-node$/],
};

/** Every module specifier `text` imports, re-exports or requires. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** The layer of a path under src/: its first segment (`index.ts` for the barrel). */
function layerOf(pathUnderSrc: string): string {
  return pathUnderSrc.split('/')[0]!;
}

/** What breaks the layering in file `file` (a path under src/) with content `text`. */
function violations(file: string, text: string): string[] {
  const layer = layerOf(file);
  const out: string[] = [];
  for (const spec of specifiers(text)) {
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(SRC, dirname(file), spec));
      const into = target.startsWith('..') ? '(outside src)' : layerOf(target);
      const ok = CORE.has(layer) ? CORE.has(into) : into === layer || CORE.has(into);
      if (!ok) out.push(`${file}: imports ${spec} (${into})`);
      continue;
    }
    if (CORE.has(layer)) {
      if (!CORE_PACKAGES.some((p) => p.test(spec))) out.push(`${file}: the core imports package ${spec}`);
      continue;
    }
    for (const [host, packages] of Object.entries(HOSTS)) {
      if (host !== layer && packages.some((p) => p.test(spec))) out.push(`${file}: imports ${spec} (${host}'s)`);
    }
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no file under src/ breaks the layering', () => {
  const files = sources(SRC);
  expect(files.length).toBeGreaterThan(100);
  const found = files.flatMap((f) => violations(relative(SRC, f), readFileSync(f, 'utf8')));
  expect(found).toEqual([]);
});

test.each([
  ['render/x.ts', "import { KaitoWorkspace } from '../cdk8s';", ['render/x.ts: imports ../cdk8s (cdk8s)']],
  ['api/x.ts', "import { App } from 'cdk8s';", ['api/x.ts: the core imports package cdk8s']],
  ['plan/x.ts', "const fs = require('node:fs');", ['plan/x.ts: the core imports package node:fs']],
  [
    'cdk8s/x.ts',
    "export { GpuNodePool } from '../pulumi/gpu-node-pool';",
    ['cdk8s/x.ts: imports ../pulumi/gpu-node-pool (pulumi)'],
  ],
  [
    'reconciler/x.ts',
    "import type { Construct } from 'constructs';",
    ["reconciler/x.ts: imports constructs (cdk8s's)"],
  ],
  [
    'cli/x.ts',
    "const k = await import('@kubernetes/client-node');",
    ["cli/x.ts: imports @kubernetes/client-node (reconciler's)"],
  ],
  ['pulumi/x.ts', "import * as pulumi from '@pulumi/pulumi';\nimport { planWorkspace } from '../plan';", []],
  [
    'render/x.ts',
    "import { createHash } from 'node:crypto';\nimport type { Pod } from 'kubernetes-types/core/v1';",
    [],
  ],
])('the check itself: %s with %j', (file, text, expected) => {
  expect(violations(file, text)).toEqual(expected);
});

/** The packages a module loads when it is required, through its static, non-type imports under src/. */
function loadedPackages(entry: string): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(SRC, file), 'utf8');
    // Static imports and re-exports that stay in the JavaScript: not `import type`, not `import()`.
    for (const m of text.matchAll(/^(?:import|export)(?!\s+type\b)[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const target = relative(SRC, resolve(SRC, dirname(file), spec));
      const candidates = [`${target}.ts`, join(target, 'index.ts')];
      const found = candidates.find((c) => {
        try {
          readFileSync(join(SRC, c));
          return true;
        } catch {
          return false;
        }
      });
      if (found !== undefined) visit(found);
    }
  };
  visit(entry);
  return [...packages].sort();
}

test("the reconciler in a cluster loads only Node's own modules: no YAML parser (a kubeconfig loads it when read), no metrics library", () => {
  expect(loadedPackages('reconciler/main.ts')).toEqual([
    'node:crypto',
    'node:fs',
    'node:http',
    'node:https',
    'node:os',
    'node:path',
  ]);
});
