import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildImageLayout, layoutArchive, MEDIA_TYPES, sha256, type ImageInput } from '../../../scripts/image/oci';
import { baseRootfs, dropped, type DebianPackage } from '../../../scripts/image/rootfs';
import { readTar, writeTar, type TarEntry } from '../../../scripts/image/tar';
import { runConfig } from '../../../scripts/image/build';

const file = (path: string, data: string, mode = 0o644): TarEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  data: Buffer.from(data),
});
const dir = (path: string, mode = 0o755, uid = 0): TarEntry => ({ path, type: 'dir', mode, uid, gid: uid });

const longName = `app/node_modules/${'a'.repeat(60)}/${'b'.repeat(60)}/index.js`;
const entries: TarEntry[] = [
  file('usr/local/bin/node', '#!node', 0o755),
  dir('home/nonroot', 0o700, 65532),
  { path: 'etc/os-release', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: '../usr/lib/os-release' },
  file(longName, 'module.exports = 1;\n'),
  dir('tmp', 0o1777),
];

function listWithGnuTar(archive: Buffer): string[] {
  const path = join(mkdtempSync(join(tmpdir(), 'tar-')), 'a.tar');
  writeFileSync(path, archive);
  const r = spawnSync('tar', ['--numeric-owner', '--full-time', '-tvf', path], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.trim().split('\n');
}

describe('tar', () => {
  test('entries are written sorted, with epoch times, numeric owners and PAX names past 100 bytes', () => {
    const archive = writeTar(entries);
    expect(archive.length % 512).toBe(0);
    expect(listWithGnuTar(archive).map((l) => l.replace(/\s+/g, ' '))).toEqual([
      `-rw-r--r-- 0/0 20 1970-01-01 00:00:00 ${longName}`,
      'lrwxrwxrwx 0/0 0 1970-01-01 00:00:00 etc/os-release -> ../usr/lib/os-release',
      'drwx------ 65532/65532 0 1970-01-01 00:00:00 home/nonroot/',
      'drwxrwxrwt 0/0 0 1970-01-01 00:00:00 tmp/',
      '-rwxr-xr-x 0/0 6 1970-01-01 00:00:00 usr/local/bin/node',
    ]);
  });

  test('what is written reads back the same, and the same entries in any order make the same bytes', () => {
    const archive = writeTar(entries);
    expect(writeTar([...entries].reverse()).equals(archive)).toBe(true);
    const back = readTar(archive);
    expect(back.map((e) => e.path)).toEqual([longName, 'etc/os-release', 'home/nonroot', 'tmp', 'usr/local/bin/node']);
    expect(back.find((e) => e.path === longName)).toEqual(entries[3]);
    expect(back.find((e) => e.path === 'tmp')).toEqual(entries[4]);
  });

  test('a path listed twice is refused', () => {
    expect(() => writeTar([file('a', '1'), file('a', '2')])).toThrow('tar: a is listed twice');
  });
});

const input: ImageInput = {
  layers: [
    { entries: [dir('tmp', 0o1777)], createdBy: 'base' },
    { entries: [file('app/main.js', 'x')], createdBy: 'app' },
  ],
  config: runConfig('1.2.3'),
  created: '1970-01-01T00:00:00Z',
  tag: '1.2.3',
  reference: 'example.com/kaito-reconciler:1.2.3',
};

describe('OCI image layout', () => {
  test('the manifest, config and index describe the layers by digest', () => {
    const layout = buildImageLayout(input);
    const blob = (digest: string) => layout.blobs.find((b) => b.digest === digest)!.data;
    const manifest = JSON.parse(blob(layout.manifest.digest).toString('utf8'));
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: { mediaType: MEDIA_TYPES.config, digest: layout.config.digest, size: layout.config.size },
      layers: layout.layers.map((l) => ({ mediaType: MEDIA_TYPES.layer, digest: l.digest, size: l.size })),
    });
    for (const l of layout.layers) {
      expect(sha256(blob(l.digest))).toBe(l.digest);
      expect(sha256(gunzipSync(blob(l.digest)))).toBe(l.diffId);
    }
    const config = JSON.parse(blob(layout.config.digest).toString('utf8'));
    expect(config).toEqual({
      created: '1970-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: {
        User: '65532:65532',
        Env: [
          'PATH=/usr/local/bin:/usr/bin:/bin',
          'NODE_ENV=production',
          'NODE_OPTIONS=--jitless --max-semi-space-size=1 --max-old-space-size=80 --v8-pool-size=1',
          'MALLOC_ARENA_MAX=2',
          'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
        ],
        Entrypoint: ['/usr/local/bin/node', '/app/lib/reconciler/main.js'],
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {}, '8081/tcp': {} },
        Labels: {
          'org.opencontainers.image.title': 'kaito-reconciler',
          'org.opencontainers.image.version': '1.2.3',
          'org.opencontainers.image.licenses': 'Apache-2.0',
          'org.opencontainers.image.source': 'https://github.com/kaito-constructs/kaito-constructs',
        },
      },
      rootfs: { type: 'layers', diff_ids: layout.layers.map((l) => l.diffId) },
      history: [
        { created: '1970-01-01T00:00:00Z', created_by: 'base' },
        { created: '1970-01-01T00:00:00Z', created_by: 'app' },
      ],
    });
    expect(JSON.parse(layout.index.toString('utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [
        {
          mediaType: MEDIA_TYPES.manifest,
          digest: layout.manifest.digest,
          size: layout.manifest.size,
          annotations: {
            'io.containerd.image.name': 'example.com/kaito-reconciler:1.2.3',
            'org.opencontainers.image.ref.name': '1.2.3',
          },
        },
      ],
    });
    expect(layout.ociLayout.toString('utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
  });

  test('reproducible: the same inputs give the same digest and archive; any change gives another', () => {
    const a = buildImageLayout(input);
    const b = buildImageLayout({ ...input, layers: input.layers.map((l) => ({ ...l, entries: [...l.entries] })) });
    expect(b.manifest.digest).toBe(a.manifest.digest);
    expect(layoutArchive(b).equals(layoutArchive(a))).toBe(true);
    const changed = buildImageLayout({
      ...input,
      layers: [input.layers[0]!, { entries: [file('app/main.js', 'y')], createdBy: 'app' }],
    });
    expect(changed.manifest.digest).not.toBe(a.manifest.digest);
    expect(changed.layers[0]!.digest).toBe(a.layers[0]!.digest);
    expect(buildImageLayout({ ...input, created: '2026-01-01T00:00:00Z' }).manifest.digest).not.toBe(a.manifest.digest);
  });

  test('the archive holds the layout: oci-layout, index.json and every blob under its digest', () => {
    const layout = buildImageLayout(input);
    const paths = readTar(layoutArchive(layout)).map((e) => e.path);
    expect(paths).toEqual([
      'blobs',
      'blobs/sha256',
      ...layout.blobs.map((b) => `blobs/sha256/${b.digest.slice(7)}`).sort(),
      'index.json',
      'oci-layout',
    ]);
    expect(layout.blobs).toHaveLength(4);
  });
});

describe('distroless-style root file system', () => {
  const pkg = (name: string, pkgEntries: TarEntry[]): DebianPackage => ({
    name,
    version: '1.0',
    architecture: 'amd64',
    control: `Package: ${name}\nVersion: 1.0\nArchitecture: amd64`,
    entries: pkgEntries,
  });
  const packages = [
    pkg('base-files', [dir('tmp', 0o1777), file('usr/lib/os-release', 'ID=debian\n'), dir('root', 0o700)]),
    pkg('ca-certificates', [
      file('usr/share/ca-certificates/mozilla/B.crt', 'B'),
      file('usr/share/ca-certificates/mozilla/A.crt', 'A\n'),
      file('usr/sbin/update-ca-certificates', '#!/bin/sh', 0o755),
      file('usr/share/doc/ca-certificates/copyright', 'c'),
      file('usr/share/doc/ca-certificates/changelog.gz', 'x'),
      file('usr/share/man/man8/update-ca-certificates.8.gz', 'x'),
    ]),
    pkg('libc6', [
      { ...file('lib/x86_64-linux-gnu/libc.so.6', 'ELF', 0o755), uid: 1000, gid: 1000 },
      {
        path: 'lib/x86_64-linux-gnu/libc-copy.so',
        type: 'hardlink',
        mode: 0o755,
        uid: 0,
        gid: 0,
        linkname: 'lib/x86_64-linux-gnu/libc.so.6',
      },
    ]),
  ];

  test('package files owned by root, hard links copied, docs but copyright left out, users and the CA bundle added', () => {
    const rootfs = baseRootfs(packages);
    const byPath = new Map(rootfs.map((e) => [e.path, e]));
    expect([...byPath.keys()].sort()).toEqual([
      'etc',
      'etc/group',
      'etc/nsswitch.conf',
      'etc/os-release',
      'etc/passwd',
      'etc/ssl',
      'etc/ssl/certs',
      'etc/ssl/certs/ca-certificates.crt',
      'home',
      'home/nonroot',
      'lib',
      'lib/x86_64-linux-gnu',
      'lib/x86_64-linux-gnu/libc-copy.so',
      'lib/x86_64-linux-gnu/libc.so.6',
      'root',
      'tmp',
      'usr',
      'usr/lib',
      'usr/lib/os-release',
      'usr/share',
      'usr/share/ca-certificates',
      'usr/share/ca-certificates/mozilla',
      'usr/share/ca-certificates/mozilla/A.crt',
      'usr/share/ca-certificates/mozilla/B.crt',
      'usr/share/doc',
      'usr/share/doc/ca-certificates',
      'usr/share/doc/ca-certificates/copyright',
      'var',
      'var/lib',
      'var/lib/dpkg',
      'var/lib/dpkg/status.d',
      'var/lib/dpkg/status.d/base-files',
      'var/lib/dpkg/status.d/ca-certificates',
      'var/lib/dpkg/status.d/libc6',
    ]);
    expect(byPath.get('lib/x86_64-linux-gnu/libc.so.6')).toMatchObject({ uid: 0, gid: 0, mode: 0o755 });
    expect(byPath.get('lib/x86_64-linux-gnu/libc-copy.so')).toMatchObject({
      type: 'file',
      uid: 0,
      data: Buffer.from('ELF'),
    });
    expect(byPath.get('etc/ssl/certs/ca-certificates.crt')!.data!.toString()).toBe('A\nB\n');
    expect(byPath.get('etc/passwd')!.data!.toString()).toBe(
      'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
    );
    expect(byPath.get('home/nonroot')).toEqual(dir('home/nonroot', 0o700, 65532));
    expect(byPath.get('tmp')).toEqual(dir('tmp', 0o1777));
    expect(byPath.get('var/lib/dpkg/status.d/libc6')!.data!.toString()).toBe(
      'Package: libc6\nVersion: 1.0\nArchitecture: amd64\n',
    );
    expect(rootfs.filter((e) => e.uid !== 0).map((e) => e.path)).toEqual(['home/nonroot']);
  });

  test('a hard link to a file the package does not have is refused; no certificates is refused', () => {
    const broken = pkg('x', [{ path: 'a', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, linkname: 'missing' }]);
    expect(() => baseRootfs([broken])).toThrow('x: a links to missing missing');
    expect(() => baseRootfs([packages[0]!])).toThrow('ca-certificates: no certificates found');
  });

  test('dropped paths', () => {
    expect(
      [
        'usr/share/doc/libc6/copyright',
        'usr/share/doc/libc6/changelog.gz',
        'usr/share/man',
        'usr/share/zoneinfo/UTC',
      ].map(dropped),
    ).toEqual([false, true, true, false]);
  });
});
