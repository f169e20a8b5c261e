/** Finds the picture in a Bot API message (photo, image document, or the replied-to message's) and downloads it. */
import type { Message } from 'grammy/types';

/** A picture reference from a message. */
export interface PictureRef {
  fileId: string;
  fileUniqueId: string;
  /** Size Telegram reports (may be missing). */
  fileSize: number | undefined;
}

/** Largest photo size, or an image sent as a file (document with an image/* type); null otherwise. */
export function pictureOf(m: Message | undefined): PictureRef | null {
  if (!m) return null;
  if (m.photo?.length) {
    // Telegram lists sizes smallest first; the largest is at most 2560 px and the best to match.
    const p = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return { fileId: p.file_id, fileUniqueId: p.file_unique_id, fileSize: p.file_size };
  }
  const d = m.document;
  if (d && /^image\//i.test(d.mime_type ?? ''))
    return { fileId: d.file_id, fileUniqueId: d.file_unique_id, fileSize: d.file_size };
  return null;
}

/** Thrown when a download is refused (too large) or fails. */
export class DownloadError extends Error {
  constructor(
    readonly reason: 'too_large' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Downloads a file from the Bot API file endpoint with a byte cap (Telegram's own cap is 20 MB).
 * The URL holds the token, so it never appears in errors or logs.
 */
export async function downloadFile(opts: {
  apiRoot: string;
  token: string;
  filePath: string;
  maxBytes: number;
  timeoutMs?: number;
}): Promise<Buffer> {
  const url = `${opts.apiRoot}/file/bot${opts.token}/${opts.filePath}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
  } catch {
    throw new DownloadError('failed', 'download failed');
  }
  if (!res.ok || !res.body) throw new DownloadError('failed', `download failed (HTTP ${res.status})`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > opts.maxBytes) {
    await res.body.cancel();
    throw new DownloadError('too_large', 'file too large');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > opts.maxBytes) throw new DownloadError('too_large', 'file too large');
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw new DownloadError('failed', 'download failed');
  }
  return Buffer.concat(chunks);
}
