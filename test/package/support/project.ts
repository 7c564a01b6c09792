import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

/*
 * New projects that install the packed package the way a user does, with no network: `npm ci --offline`
 * against a lockfile cut from ours. `npm install --offline` would need the registry's package listings, which
 * `npm ci` never stores; `npm ci` of a lockfile needs only the tarballs, and those the repository's own
 * `npm ci` put in the cache. So the new project gets exactly the versions our lockfile resolved, from the same
 * cache, and Node resolves every import through the new project's own node_modules.
 */

export const ROOT = join(__dirname, '..', '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  optional?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

const repoLock = (): Lockfile => JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

/** A scratch directory under the system's temporary directory; `removeAll` deletes every one made. */
const scratch: string[] = [];
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
export function removeAll(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The package as `npm pack` makes it, built into a staging directory (not lib/, which another test may be
 * building at the same time). Returns the tarball's path.
 */
export function packPackage(work: string): string {
  const stage = join(work, 'stage');
  mkdirSync(stage);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'lib')]);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of ['package.json', ...manifest.files.filter((f) => f !== 'lib/')]) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(stage, entry), { recursive: true });
  }
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], {
    cwd: stage,
    encoding: 'utf8',
  });
  return join(work, (JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>)[0].filename);
}

/** Where Node (and npm) find `name` when `from` (a lockfile path, '' for the root) requires it. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    base = base.slice(0, base.lastIndexOf('node_modules/')).replace(/\/$/, '');
  }
}

/** The names an installed package needs in its tree: dependencies, optional ones, and required peers. */
function edges(entry: LockEntry): string[] {
  const peers = Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional);
  return [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...peers];
}

export interface ProjectOptions {
  /** The packed kaito-constructs tarball. */
  readonly tarball: string;
  /** Packages beside kaito-constructs (peers, typescript, ...), at the versions our lockfile holds. */
  readonly with?: readonly string[];
  /** Extra package.json fields (`type`, ...). */
  readonly packageJson?: Record<string, unknown>;
}

/**
 * A new project in `dir` with kaito-constructs from `tarball` and the packages `with` names, installed by
 * `npm ci --offline`. The lockfile holds kaito-constructs and the closure of what it and `with` need, at the
 * paths and versions of our own lockfile.
 */
export function installProject(dir: string, options: ProjectOptions): void {
  mkdirSync(dir, { recursive: true });
  const lock = repoLock();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockEntry & { name: string };
  const spec = `file:${relative(dir, options.tarball)}`;
  const rootDependencies: Record<string, string> = { [pkg.name]: spec };
  for (const name of options.with ?? []) {
    const entry = lock.packages[`node_modules/${name}`];
    if (entry?.version === undefined) throw new Error(`${name} is not in package-lock.json`);
    rootDependencies[name] = entry.version;
  }

  const packages: Record<string, LockEntry> = {};
  const queue: Array<[string, string]> = [];
  const need = (from: string, name: string): void => {
    const path = resolveIn(lock.packages, from, name);
    if (path === undefined) throw new Error(`package-lock.json has no ${name} where ${from || 'the root'} needs it`);
    if (packages[path] !== undefined) return;
    // Whether a package is dev-only, or only a peer, is a fact about our tree, not the new one.
    const entry = { ...lock.packages[path] };
    delete entry.dev;
    delete entry.devOptional;
    delete entry.peer;
    packages[path] = entry;
    queue.push([path, name]);
  };
  const self: LockEntry = {
    version: pkg.version,
    resolved: spec,
    integrity: `sha512-${createHash('sha512').update(readFileSync(options.tarball)).digest('base64')}`,
  };
  for (const field of ['license', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']) {
    if (pkg[field] !== undefined) self[field] = pkg[field];
  }
  packages[`node_modules/${pkg.name}`] = self;
  for (const name of edges(self)) need('', name);
  for (const name of options.with ?? []) need('', name);
  while (queue.length > 0) {
    const [path] = queue.shift()!;
    for (const name of edges(packages[path])) need(path, name);
  }

  const manifest = { name: basename(dir), version: '1.0.0', private: true, ...options.packageJson };
  const lockfile: Lockfile = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: manifest.name, version: manifest.version, dependencies: rootDependencies }, ...packages },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, dependencies: rootDependencies }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lockfile, null, 2));
  const install = spawnSync(npm, ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
  if (install.status !== 0) {
    throw new Error(
      `npm ci --offline in ${dir} failed. It installs from the npm cache the repository's own \`npm ci\` filled: ` +
        `run npm test with the same cache (npm_config_cache=${process.env.npm_config_cache ?? '~/.npm'}).\n` +
        install.stderr,
    );
  }
}

/** `node_modules/.bin/<name>` of a project. */
export const bin = (project: string, name: string): string => join(project, 'node_modules', '.bin', name);

/** The first TypeScript block of a README section (`## cdk8s`, `## Pulumi`), as a user pastes it. */
export function readmeExample(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (match === null) throw new Error(`README.md has no TypeScript example in its ${heading} section`);
  return match[1];
}

/** The compilers the README says the examples build with: the project's TypeScript 5 and TypeScript 7. */
export const TSC_7 = join(ROOT, 'node_modules', 'typescript-7', 'bin', 'tsc');
export const tsc5 = (project: string): string => join(project, 'node_modules', 'typescript', 'bin', 'tsc');

/** Runs a Node script (a compiler, a bin, the compiled example) in `cwd` with the Node running the tests. */
export function node(cwd: string, args: readonly string[]): string {
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`node ${args.join(' ')} in ${cwd} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  }
  return run.stdout;
}

/** tsconfig.json of a plain CommonJS project (`module: commonjs`, so classic `node` resolution). */
export const COMMONJS_TSCONFIG = { compilerOptions: { module: 'commonjs', target: 'es2022', strict: true } };

/** tsconfig.json of an ES module project on `nodenext`, as `tsc --init` of TypeScript 5.9 starts one. */
export const NODENEXT_TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'esnext',
    strict: true,
    types: [],
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
  },
};
