/**
 * Every admin route of the real app (found by walking the Express router stack, not from a list) refuses a
 * signed-in visitor, with their CSRF token, and an anonymous caller: 401/403, never a 2xx or a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type express from 'express';
import { loadConfig } from '@waifudex/core/config/env';
import { createTestDb, testLogger } from '@waifudex/core/testing/test-db';
import type { Db } from '@waifudex/core/db/database';
import { createAuthService } from '@waifudex/core/services/auth.service';
import { buildApp } from './app.js';
import { createFeatureRouters, type Features } from './features.js';
import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import { routesOf, concrete } from './testing/route-walk.js';
import { signUp, type Client } from './testing/visitor-client.js';

let db: Db;
let features: Features;
let server: Server;
let url: string;
let app: express.Express;
const dirs: string[] = [];

beforeAll(async () => {
  db = await createTestDb();
  const tmp = (n: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `wdx-${n}-`));
    dirs.push(d);
    return d;
  };
  const config = loadConfig({ DATA_DIR: tmp('data'), IMAGES_DIR: tmp('images'), REGISTRATION: 'open' });
  features = await createFeatureRouters({
    config,
    db,
    logger: testLogger,
    images: createLocalImageStore(config.imagesDir),
  });
  app = buildApp({
    db,
    logger: testLogger,
    imagesDir: config.imagesDir,
    webDir: null,
    version: 'test',
    auth: createAuthService({ db }),
    registration: 'open',
    routers: features.routers,
    requestLogging: false,
  });
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await features?.stop();
  await db?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the visitor/admin boundary', () => {
  it('finds the admin routes by their guard, and every /api/v1/admin route has one', () => {
    const routes = routesOf((app as any).router.stack);
    const admin = routes.filter((r) => r.guarded);
    expect(admin.length).toBeGreaterThan(35);
    const unguarded = routes.filter((r) => r.path.startsWith('/api/v1/admin') && !r.guarded);
    expect(unguarded).toEqual([]);
    // the routes this issue added are among them
    for (const p of [
      '/api/v1/admin/visitors',
      '/api/v1/admin/webhooks',
      '/api/v1/admin/comments',
      '/api/v1/admin/tokens',
      '/api/v1/auth/sessions/end-all',
    ]) {
      expect(admin.map((r) => r.path)).toContain(p);
    }
  });

  it('a signed-in visitor (with their CSRF token) and an anonymous caller get 401/403 on each of them', async () => {
    const visitor: Client = await signUp(url, 'mallory');
    const admin = routesOf((app as any).router.stack).filter((r) => r.guarded);
    const failures: string[] = [];
    for (const r of admin) {
      const p = concrete(r.path);
      const body = ['GET', 'HEAD', 'DELETE'].includes(r.method) ? undefined : {};
      for (const [who, call] of [
        ['visitor', () => visitor.call(r.method, p, body)],
        [
          'anonymous',
          () =>
            fetch(`${url}${p}`, {
              method: r.method,
              headers: body ? { 'content-type': 'application/json' } : {},
              body: body && '{}',
            }),
        ],
      ] as const) {
        const res = await call();
        if (res.status !== 401 && res.status !== 403) failures.push(`${who} ${r.method} ${p} → ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    // and the visitor's own routes still work for them
    expect((await visitor.call('GET', '/api/v1/me/marks')).status).toBe(200);
  }, 60_000);
});
