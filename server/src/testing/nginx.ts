/**
 * The real nginx of the host for the deploy/nginx tests: a work folder it can run from as any user (its
 * workers are `nobody` when run as root), the config rendered by deploy/nginx/40-waifudex-config.sh
 * exactly as in the container, `nginx -t`, and a foreground nginx started and stopped around the tests.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const nginxDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy/nginx');

/** Whether nginx is on PATH (CI installs it: apt-get install nginx). */
export const hasNginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).status === 0;

export interface NginxWork {
  dir: string;
  /** Runs the render script into `dir/conf.d` with these settings (PATH and the folders are set). */
  render(env: Record<string, string>): SpawnSyncReturns<string>;
  /** `nginx -t` of the rendered config. */
  test(): SpawnSyncReturns<string>;
  /** Starts nginx in the foreground and waits (20 s at most) until `ready()` is true. */
  start(ready: () => Promise<boolean>): Promise<void>;
  /** What nginx said on stderr and in its error log. */
  log(): string;
  /** Stops nginx and removes the folder. */
  close(): Promise<void>;
}

/** A fresh work folder with a main nginx.conf that includes the rendered conf.d/*.conf. */
export function createNginxWork(prefix: string): NginxWork {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o777 });
  fs.chmodSync(path.join(dir, 'tmp'), 0o777);
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  fs.writeFileSync(
    conf,
    [
      'pid nginx.pid;',
      'worker_processes 1;',
      'events { worker_connections 64; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  access_log off;',
      '  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;',
      '  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;',
      `  include ${path.join(dir, 'conf.d')}/*.conf;`,
      '}',
    ].join('\n'),
  );
  let nginx: ChildProcess | undefined;
  let stderr = '';
  const log = () => `${stderr}${fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : ''}`;
  return {
    dir,
    render: (env) =>
      spawnSync('sh', [path.join(nginxDir, '40-waifudex-config.sh')], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          WAIFUDEX_NGINX_DIR: nginxDir,
          NGINX_CONF_OUT: path.join(dir, 'conf.d'),
          RELOAD_INTERVAL: '0',
          ...env,
        },
      }),
    test: () => spawnSync('nginx', ['-t', '-p', dir, '-c', conf, '-e', errorLog], { encoding: 'utf8' }),
    async start(ready) {
      const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', errorLog, '-g', 'daemon off;'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      nginx = child;
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const deadline = Date.now() + 20_000;
      while (!(await ready())) {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${log()}`);
        if (Date.now() > deadline) throw new Error(`nginx did not answer: ${log()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    log,
    async close() {
      if (nginx && nginx.exitCode === null) {
        const exited = new Promise((r) => nginx!.once('exit', r));
        nginx.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
