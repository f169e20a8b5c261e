/**
 * Scraper CLI: `npm run scraper -- <command> [args]`. The command line is parsed (cli/commands.ts) before
 * anything is opened: a usage mistake exits 2 with one line and touches no database. Each command lives in
 * commands/<name>.command.ts and gets the same database and services as the server (cli/run-command.ts;
 * the embedded PostgreSQL in DATA_DIR is shared by every process, the first one starts it).
 */
import { runMain } from '@waifudex/core/run-main';
import { parseProgramLine, UsageError } from './cli/parse.js';

runMain(async () => {
  const argv = process.argv.slice(2);
  let name;
  try {
    name = parseProgramLine(argv);
  } catch (err) {
    // commander has written the error line and the usage (or the help)
    if (!(err instanceof UsageError)) throw err;
    process.exitCode = err.exitCode;
    return;
  }
  if (!name) return; // help only
  // loaded only now, so that help and usage mistakes load no database driver, sharp or GramJS
  const { runCommand } = await import('./cli/run-command.js');
  await runCommand(name, argv.slice(1)); // argv[0] is the command: there are no program-wide options
});
