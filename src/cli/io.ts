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
