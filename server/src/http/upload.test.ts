import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { errorHandler } from '../middleware/error-handler.js';
import { testLogger } from '@waifudex/core/testing/test-db';
import { imageUpload, readUpload, uploadedFile } from './upload.js';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-upload-test-'));
let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.post('/up', imageUpload({ maxBytes: 1000, tmpDir }), async (req, res) => {
    const file = uploadedFile(req);
    res.json({ bytes: file ? (await readUpload(file)).length : null, onDisk: file ? fs.existsSync(file.path) : null });
  });
  app.use(errorHandler(testLogger));
  server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/up`;
});
afterAll(() => {
  server?.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

const send = (bytes: number) => {
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(bytes)]), 'x.png');
  return fetch(url, { method: 'POST', body: form });
};
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('image uploads', () => {
  it('are streamed to a temporary file that is gone once the answer is sent', async () => {
    expect(await (await send(900)).json()).toEqual({ bytes: 900, onDisk: true });
    await settle();
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it('too large → 413 and no file left', async () => {
    const res = await send(5000);
    expect(res.status).toBe(413);
    await settle();
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it('cut short → 400 and no file left', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=B' },
      body: '--B\r\nContent-Disposition: form-data; name="image"; filename="a"\r\n\r\nabc',
    });
    expect(res.status).toBe(400);
    await settle();
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });
});
