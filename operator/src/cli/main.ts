#!/usr/bin/env node
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
// A command's exit code is final once it returns: work it abandoned on shutdown (a request
// to an API server that does not answer) must not keep the process alive.
process.exit(code);
