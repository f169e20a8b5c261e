/** Spawning a built CLI in tests, and a stand-in PostgreSQL address that counts who connects to it. */
import { spawn } from 'node:child_process';
import net from 'node:net';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node main …args` with exactly `env` (plus PATH) in `cwd`, stdin closed. */
export function runCli(main: string, args: string[], o: { cwd: string; env: Record<string, string> }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: o.cwd,
      env: { PATH: process.env.PATH ?? '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ConnectionCounter {
  /** A DATABASE_URL pointing at the listener (every connection is counted and closed at once). */
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that stands for PostgreSQL: tells whether a CLI tried to open the database. */
export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let n = 0;
  const server = net.createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgres://u:p@127.0.0.1:${port}/waifudex`,
    connections: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
