/*
 * Writes crds/kaito.sh_workspaces.yaml from the Workspace schema (src/render/crd.ts) and
 * crds/kaito.sh_kaitocatalogs.yaml from the KaitoCatalog schema (src/render/kaito-catalog.ts).
 *
 *   npm run gen:crds                   write the files
 *   npm run gen:crds -- --check        exit 1 if a file is out of date
 *
 * (that is `node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON scripts/gen-crds.ts`, with the project's Node).
 *
 * Runs on Node >= 23.6 straight from the TypeScript sources, without a build: Node strips the types, and
 * a resolve hook adds the `.ts` (or `/index.ts`) that our extensionless relative imports leave out. The
 * script is CommonJS on purpose (require, __dirname) so that it type-checks with the rest of the project.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

function generateCrds(): number {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const url = require('node:url') as typeof import('node:url');
  const nodeModule = require('node:module') as typeof import('node:module');

  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if (relative && context.parentURL?.endsWith('.ts') && path.extname(specifier) === '') {
        const base = new URL(specifier, context.parentURL).href;
        const found = [`${base}.ts`, `${base}/index.ts`].find((c) => fs.existsSync(url.fileURLToPath(c)));
        if (found !== undefined) return nextResolve(found, context);
      }
      return nextResolve(specifier, context);
    },
  });

  const root = path.resolve(__dirname, '..');
  const crd = require(path.join(root, 'src/render/crd.ts')) as typeof import('../src/render/crd');
  const catalog = require(
    path.join(root, 'src/render/kaito-catalog-crd.ts'),
  ) as typeof import('../src/render/kaito-catalog-crd');
  const files: Array<[string, string]> = [
    ['kaito.sh_workspaces.yaml', crd.renderCrdYaml()],
    ['kaito.sh_kaitocatalogs.yaml', catalog.renderKaitoCatalogCrdYaml()],
  ];
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, content] of files) {
    const target = path.join(root, 'crds', file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    const relativeTarget = path.relative(root, target);
    if (check) {
      if (current !== content) {
        process.stderr.write(`${relativeTarget} is out of date: run npm run gen:crds\n`);
        stale++;
      }
      continue;
    }
    if (current !== content) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    process.stdout.write(`${relativeTarget} ${current === content ? 'unchanged' : 'written'}\n`);
  }
  if (stale > 0) return 1;
  return 0;
}

process.exitCode = generateCrds();
