import type { TarEntry } from './tar';

/*
 * The distroless-style base: the files of a few Debian packages, unpacked without running their
 * maintainer scripts (there is no shell to run them), plus what those scripts or a base image would add: the
 * users, the CA bundle, the package records scanners read. Pure: the packages come in as tar entries.
 */

/** The Debian packages of the base, in the order they are laid down (later ones win on a shared path). */
export const BASE_PACKAGES = [
  'base-files',
  'netbase',
  'tzdata',
  'ca-certificates',
  'libc6',
  'libgcc-s1',
  'libstdc++6',
] as const;

/** The user and group the image runs as, as distroless images name them. */
export const NONROOT_UID = 65532;

/** A Debian package: its control fields and the entries of its data archive. */
export interface DebianPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** The control file (`dpkg-deb -f`), as text. */
  readonly control: string;
  readonly entries: readonly TarEntry[];
}

/**
 * Paths of package data the image leaves out: documentation (but the copyright files, which licences ask
 * to keep), manuals, lintian overrides, and the CA tool that needs a shell (its result is made here).
 */
export function dropped(path: string): boolean {
  if (/^usr\/share\/doc\/[^/]+\/copyright$/.test(path)) return false;
  return (
    /^usr\/share\/(doc|man|info|lintian|bug|doc-base)(\/|$)/.test(path) ||
    path === 'usr/sbin/update-ca-certificates' ||
    /^etc\/ca-certificates\/update\.d(\/|$)/.test(path)
  );
}

const file = (path: string, data: string | Buffer, mode = 0o644, owner = 0): TarEntry => ({
  path,
  type: 'file',
  mode,
  uid: owner,
  gid: owner,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'),
});
const dir = (path: string, mode = 0o755, owner = 0): TarEntry => ({ path, type: 'dir', mode, uid: owner, gid: owner });

/** Every entry of every package, and our own files, as one layer: owned by root but for the home directory. */
export function baseRootfs(packages: readonly DebianPackage[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  const put = (entry: TarEntry) => byPath.set(entry.path, entry);
  for (const pkg of packages) {
    // Hard links become copies: a sorted archive may list a link before the file it links to.
    const files = new Map(pkg.entries.filter((e) => e.type === 'file').map((e) => [e.path, e]));
    for (const entry of pkg.entries) {
      if (dropped(entry.path)) continue;
      if (entry.type === 'hardlink') {
        const target = files.get(entry.linkname ?? '');
        if (target === undefined) throw new Error(`${pkg.name}: ${entry.path} links to missing ${entry.linkname}`);
        put({ ...target, path: entry.path, mode: entry.mode, uid: 0, gid: 0 });
      } else {
        put({ ...entry, uid: 0, gid: 0 });
      }
    }
    put(dir('var/lib/dpkg/status.d'));
    put(file(`var/lib/dpkg/status.d/${pkg.name}`, pkg.control.endsWith('\n') ? pkg.control : `${pkg.control}\n`));
  }
  // What ca-certificates' maintainer script would make: the bundle of the certificates it ships.
  const certificates = [...byPath.values()]
    .filter((e) => e.type === 'file' && /^usr\/share\/ca-certificates\/.+\.crt$/.test(e.path))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  if (certificates.length === 0) throw new Error('ca-certificates: no certificates found');
  put(dir('etc/ssl'));
  put(dir('etc/ssl/certs'));
  put(
    file(
      'etc/ssl/certs/ca-certificates.crt',
      Buffer.concat(certificates.flatMap((c) => [c.data!, ...(c.data!.at(-1) === 0x0a ? [] : [Buffer.from('\n')])])),
    ),
  );
  put(
    file(
      'etc/passwd',
      `root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin\n`,
    ),
  );
  put(file('etc/group', `root:x:0:\nnobody:x:65534:\nnonroot:x:${NONROOT_UID}:\n`));
  put(file('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n'));
  if (!byPath.has('etc/os-release'))
    put({ path: 'etc/os-release', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: '../usr/lib/os-release' });
  put(dir('tmp', 0o1777));
  put(dir('root', 0o700));
  put(dir('home'));
  put(dir('home/nonroot', 0o700, NONROOT_UID));
  return withParents([...byPath.values()]);
}

/** `entries` plus a directory entry (root's, 0755) for every parent that has none. */
export function withParents(entries: readonly TarEntry[]): TarEntry[] {
  const paths = new Set(entries.map((e) => e.path));
  const extra: TarEntry[] = [];
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!paths.has(parent)) {
        paths.add(parent);
        extra.push(dir(parent));
      }
    }
  }
  return [...entries, ...extra];
}
