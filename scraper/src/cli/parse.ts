/**
 * Parses a command line with the definitions in commands.ts. Usage mistakes (an unknown command or flag,
 * a missing argument, a bad value) end as one `error:` line, the usage and exit code 2; `--help` prints the
 * help and exits 0. Nothing here opens the config or the database.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { UserError } from '@waifudex/core/errors';
import { commands, type CommandName } from './commands.js';

/** How `npm run scraper` is spelled in the usage lines. */
export const PROGRAM = 'npm run scraper --';

/** A command line that does not parse; main.ts exits with `exitCode` (2, or 0 after --help). */
export class UsageError extends UserError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

type Definition<N extends CommandName> = ReturnType<(typeof commands)[N]>;

/** Options and arguments of one command, typed by its definition. */
export interface ParsedCommandLine<N extends CommandName> {
  opts: ReturnType<Definition<N>['opts']>;
  args: Definition<N>['processedArgs'];
}

/** Strict parsing, errors thrown instead of exiting; commander already wrote the error line or the help. */
function configure<C extends Command<unknown[], Record<string, unknown>>>(cmd: C, out: Output): C {
  cmd
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: out.writeOut, writeErr: out.writeErr, outputError: out.writeErr })
    .showHelpAfterError(`usage: ${PROGRAM} ${cmd.name()} ${cmd.usage()}   (--help for details)`);
  return cmd;
}

interface Output {
  writeOut(text: string): void;
  writeErr(text: string): void;
}
const stdio: Output = { writeOut: (t) => process.stdout.write(t), writeErr: (t) => process.stderr.write(t) };

const silent: Output = { writeOut: () => undefined, writeErr: () => undefined };

function toUsageError(err: unknown): never {
  if (err instanceof CommanderError)
    throw new UsageError(err.message.replace(/^error: /, ''), err.exitCode === 0 ? 0 : 2);
  throw err;
}

/**
 * Parses one command's arguments (what follows its name). Silent by default: from main.ts the line has
 * already been parsed (and any mistake shown) by parseProgramLine; a direct call gets the error thrown.
 */
export function parseCommandLine<N extends CommandName>(
  name: N,
  argv: readonly string[],
  out: Output = silent,
): ParsedCommandLine<N> {
  const cmd = configure(commands[name](), out) as Definition<N>;
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    toUsageError(err);
  }
  return { opts: cmd.opts() as ParsedCommandLine<N>['opts'], args: cmd.processedArgs };
}

/**
 * Parses a whole command line (`<command> [args]`) and returns the command's name, or null when only help
 * was asked for (no command, `help`, `--help`): the caller opens the database only after this.
 */
export function parseProgramLine(argv: readonly string[], out: Output = stdio): CommandName | null {
  const program = new Command(PROGRAM)
    .usage('<command> [options]')
    .description(
      'Waifudex scraper: syncs Telegram channels, imports, maintains the gallery. `<command> --help` for one.',
    )
    .exitOverride()
    .configureOutput({ writeOut: out.writeOut, writeErr: out.writeErr, outputError: out.writeErr })
    .showHelpAfterError(`usage: ${PROGRAM} <command> [options]   (--help lists the commands)`);
  let chosen: CommandName | null = null;
  for (const name of Object.keys(commands) as CommandName[]) {
    const cmd = configure(commands[name](), out);
    cmd.action(() => {
      chosen = name;
    });
    program.addCommand(cmd);
  }
  if (argv.length === 0) {
    out.writeOut(program.helpInformation());
    return null;
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    toUsageError(err);
  }
  return chosen;
}
