#!/usr/bin/env node
import { readBoundedText } from './io';
import { internalErrorMessage, runCli } from './run';

const argv = process.argv.slice(2);
// runCli reports its own errors; this catches what escapes it (a failed write, say) the same way.
process.on('uncaughtException', (e) => {
  // The reader of our output went away (kaito render | head): nothing left to say.
  if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
  process.stderr.write(internalErrorMessage(e, argv.includes('--debug')));
  process.exit(1);
});
const code = runCli(argv, {
  readFile: (path) => readBoundedText(path),
  readStdin: () => readBoundedText(0),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
