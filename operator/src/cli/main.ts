#!/usr/bin/env node
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) =>
    stream.write('', () => {
      resolve();
    }),
  );
}

// A command's exit code is final once it returns: work it abandoned on shutdown (a request
// to an API server that does not answer) must not keep the process alive. What it printed
// is flushed first, since a pipe's writes can still be queued.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
