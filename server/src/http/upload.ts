/**
 * Multipart uploads of one image: streamed to a temporary file (so many large uploads at once do not
 * pile up in memory), read back only when its turn comes (see work-gate.ts), deleted when the response ends.
 * Any multipart the parser cannot read (no boundary, garbage, cut short) is a 400, a too-big file a 413.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { UserError, BadRequestError } from '@waifudex/core/errors';

export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export interface UploadOptions {
  maxBytes?: number;
  /** Non-file fields accepted (default 10) and their largest size (default 16 KB). */
  fields?: number;
  fieldSize?: number;
  /** Folder of the temporary files (default the OS temp folder). */
  tmpDir?: string;
}

function toHttpError(err: any): Error {
  if (err?.name === 'MulterError') {
    return err.code === 'LIMIT_FILE_SIZE'
      ? new UserError('The uploaded file is too large.', { status: 413, code: 'too_large' })
      : new BadRequestError(`Upload rejected: ${err.message}`, undefined, 'invalid_upload');
  }
  // busboy's parse errors ("Multipart: Boundary not found", "Unexpected end of form", …)
  return new BadRequestError(
    `The multipart body cannot be read: ${String(err?.message ?? err)}`,
    undefined,
    'invalid_upload',
  );
}

/** Middleware accepting the multipart file field `image` (other content types pass through untouched). */
export function imageUpload(opts: UploadOptions = {}): RequestHandler {
  const dir = opts.tmpDir ?? path.join(os.tmpdir(), 'waifudex-uploads');
  const parse = multer({
    storage: multer.diskStorage({
      destination: (_req, _file, cb) => fs.mkdir(dir, { recursive: true }, (e) => cb(e ?? null, dir)),
    }),
    limits: {
      fileSize: opts.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      files: 1,
      fields: opts.fields ?? 10,
      fieldSize: opts.fieldSize ?? 16 * 1024,
    },
  }).single('image');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    res.on('close', () => removeUpload(req));
    parse(req, res, (err?: unknown) => next(err ? toHttpError(err) : undefined));
  };
}

function removeUpload(req: Request): void {
  const file = (req as Request & { file?: Express.Multer.File }).file;
  if (file?.path) fs.rm(file.path, { force: true }, () => undefined);
}

/** The uploaded file, if any. */
export function uploadedFile(req: Request): Express.Multer.File | undefined {
  return (req as Request & { file?: Express.Multer.File }).file;
}

/** Reads the uploaded image into memory (call inside the image gate). */
export async function readUpload(file: Express.Multer.File): Promise<Buffer> {
  return fs.promises.readFile(file.path);
}
