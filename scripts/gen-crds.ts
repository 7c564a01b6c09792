/*
 * Writes crds/kaito.sh_workspaces.yaml from the Workspace schema (src/render/crd.ts).
 *
 *   npm run gen:crds                   write the file
 *   npm run gen:crds -- --check        exit 1 if the file is out of date
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
  const target = path.join(root, 'crds', 'kaito.sh_workspaces.yaml');
  const content = crd.renderCrdYaml();
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  const relativeTarget = path.relative(root, target);
  if (process.argv.includes('--check')) {
    if (current === content) return 0;
    process.stderr.write(`${relativeTarget} is out of date: run npm run gen:crds\n`);
    return 1;
  }
  if (current !== content) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  process.stdout.write(`${relativeTarget} ${current === content ? 'unchanged' : 'written'}\n`);
  return 0;
}

process.exitCode = generateCrds();
