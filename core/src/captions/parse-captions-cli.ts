#!/usr/bin/env node
// `node core/dist/captions/parse-captions-cli.js [--channel-context FILE] < captions.jsonl`: see
// cli-runner.ts. FILE holds all captions of the channel (JSON lines with a "caption" field).
import { loadChannelContext, runCli, type CliOptions } from './cli-runner.js';

// A closed pipe (`| head`) is not an error worth a stack trace on stderr.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

function fail(msg: string): never {
  process.stderr.write(`parse-captions: ${msg}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const opts: CliOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--channel-context=') ? a.slice('--channel-context='.length) : null;
    if (a === '--channel-context' || eq !== null) {
      const file = eq ?? argv[++i];
      if (!file) fail("--channel-context needs a file of the channel's captions (JSON lines)");
      try {
        opts.channel = await loadChannelContext(file);
      } catch (err) {
        fail(`cannot read --channel-context ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    } else fail(`unknown argument ${a} (usage: parse-captions [--channel-context FILE] < captions.jsonl)`);
  }
  await runCli(process.stdin, process.stdout, opts);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`parse-captions: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
