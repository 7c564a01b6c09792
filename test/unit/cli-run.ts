import { readFileSync } from 'node:fs';
import { runCli, type CliIo } from '../../src/cli';

/** Runs the CLI against an in-memory file system; returns exit code and output. */
export function run(argv: string[], files: Record<string, string> = {}, stdin = '') {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    readFile: (path) => {
      if (path in files) return files[path];
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        throw Object.assign(new Error('cannot read'), { code: (e as NodeJS.ErrnoException).code });
      }
    },
    readStdin: () => stdin,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  const code = runCli(argv, io);
  return { code, stdout, stderr };
}
