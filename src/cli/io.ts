import { closeSync, openSync, readSync } from 'node:fs';
import { stringify } from 'yaml';
import { INPUT_LIMITS } from '../api/limits';
import type { KubeObject } from '../render/options';

/** What a command may do to the outside world; tests pass their own. */
export interface CliIo {
  readFile(path: string): string;
  readStdin(): string;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** An input file as the user named it, with its text. */
export interface NamedInput {
  readonly name: string;
  readonly text: string;
}

/**
 * Reads a file or file descriptor as UTF-8, at most one byte more than the input limit: enough for the
 * reader to say the input is too large, without reading a file of any size into memory.
 */
export function readBoundedText(file: string | number, maxBytes: number = INPUT_LIMITS.maxBytes): string {
  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      let n: number;
      try {
        n = readSync(fd, buffer, length, buffer.length - length, null);
      } catch (e) {
        // A non-blocking stdin (a terminal or pipe in some shells) has no data yet.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
      if (n === 0) break;
      length += n;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
}

/** Reads each named file (`-` is stdin); a file that cannot be read is reported, not thrown. */
export function readInputs(paths: readonly string[], io: CliIo): { inputs: NamedInput[]; failures: string[] } {
  const inputs: NamedInput[] = [];
  const failures: string[] = [];
  for (const path of paths) {
    try {
      inputs.push({ name: path === '-' ? '<stdin>' : path, text: path === '-' ? io.readStdin() : io.readFile(path) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      failures.push(`${path}: cannot read file${code ? ` (${code})` : ''}`);
    }
  }
  return { inputs, failures };
}

/** Kubernetes objects as multi-document YAML (`---` between documents) or as the JSON of a v1 List. */
export function formatObjects(objects: readonly KubeObject[], output: 'yaml' | 'json'): string {
  if (output === 'json') {
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  }
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** Rows as aligned columns (two spaces apart), the first row a header, for people. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n') + '\n';
}
