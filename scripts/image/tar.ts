/*
 * Tar archives as the image needs them: a reader for Debian packages' data (GNU and PAX long names) and a
 * writer whose output depends on the entries only (sorted paths, fixed times, numeric owners, no user or
 * group names), so that the same files always make the same bytes and so the same layer digest.
 */

/** One file system entry of a layer. */
export interface TarEntry {
  /** Path without a leading `/` or `./`; directories without a trailing `/`. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'hardlink';
  /** Permission bits, e.g. 0o755. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** The content of a file. */
  readonly data?: Buffer;
  /** The target of a symlink, or the path a hard link links to. */
  readonly linkname?: string;
}

const BLOCK = 512;
const TYPE_FLAG: Record<TarEntry['type'], string> = { file: '0', hardlink: '1', symlink: '2', dir: '5' };

/** `./usr/lib/` and `/usr/lib` both become `usr/lib`. */
export function normalizePath(path: string): string {
  return path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

function field(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A PAX record `"<len> key=value\n"`, whose length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return `${length}${body}`;
}

function header(name: string, entry: Omit<TarEntry, 'path'>, size: number, typeflag: string, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(entry.uid, 8), 108, 'ascii');
  h.write(octal(entry.gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime: the epoch, for every entry
  h.fill(' ', 148, 156); // checksum placeholder
  h.write(typeflag, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/**
 * A POSIX (PAX) tar of `entries` in path order. Names and link targets that do not fit ustar's 100 bytes
 * get a PAX header; modification times are all the epoch (the image's `created` time says when).
 */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Buffer[] = [];
  let previous: string | undefined;
  for (const entry of sorted) {
    if (entry.path === previous) throw new Error(`tar: ${entry.path} is listed twice`);
    previous = entry.path;
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const linkname = entry.linkname ?? '';
    const data = entry.type === 'file' ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    const pax: string[] = [];
    if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
    if (pax.length > 0) {
      const body = field(pax.join(''));
      chunks.push(header('PaxHeaders/entry', { ...entry, mode: 0o644, uid: 0, gid: 0 }, body.length, 'x'));
      chunks.push(...padded(body));
    }
    chunks.push(header(name.slice(0, 100), entry, data.length, TYPE_FLAG[entry.type], linkname.slice(0, 100)));
    if (data.length > 0) chunks.push(...padded(data));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function number(block: Buffer, start: number, length: number): number {
  const raw = text(block, start, length).trim();
  return raw === '' ? 0 : parseInt(raw, 8);
}

function paxFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(body.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) throw new Error('tar: malformed PAX header');
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** The entries of a tar archive (ustar, GNU long names, PAX); other entry types are refused. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (at + BLOCK <= archive.length) {
    const h = archive.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = number(h, 124, 12);
    const typeflag = String.fromCharCode(h[156]!) || '0';
    const body = archive.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'L') longName = text(body, 0, body.length);
    else if (typeflag === 'K') longLink = text(body, 0, body.length);
    else if (typeflag === 'x') pax = paxFields(body);
    else if (typeflag === 'g') continue;
    else {
      const prefix = text(h, 345, 155);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
      const linkname = pax.linkpath ?? longLink ?? text(h, 157, 100);
      const type =
        typeflag === '0' || typeflag === '\0' || typeflag === '7'
          ? 'file'
          : typeflag === '5'
            ? 'dir'
            : typeflag === '2'
              ? 'symlink'
              : typeflag === '1'
                ? 'hardlink'
                : undefined;
      if (type === undefined) throw new Error(`tar: ${name}: entry type '${typeflag}' is not supported`);
      const path = normalizePath(name);
      if (path !== '') {
        entries.push({
          path,
          type,
          mode: number(h, 100, 8) & 0o7777,
          uid: number(h, 108, 8),
          gid: number(h, 116, 8),
          ...(type === 'file' ? { data: Buffer.from(body) } : {}),
          ...(type === 'symlink' ? { linkname } : type === 'hardlink' ? { linkname: normalizePath(linkname) } : {}),
        });
      }
      longName = undefined;
      longLink = undefined;
      pax = {};
    }
  }
  return entries;
}
