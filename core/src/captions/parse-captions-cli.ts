#!/usr/bin/env node
// `node core/dist/captions/parse-captions-cli.js < captions.jsonl`: see cli-runner.ts.
import { runCli } from './cli-runner.js';

// A closed pipe (`| head`) is not an error worth a stack trace on stderr.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

runCli(process.stdin, process.stdout).catch((err: unknown) => {
  process.stderr.write(`parse-captions: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
