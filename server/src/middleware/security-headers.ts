/**
 * helmet with a Content-Security-Policy the built Vite app satisfies: scripts and styles from our own
 * origin only (Vite emits no inline script), images also as data:/blob: (upload previews), no framing.
 * HSTS only on https (on plain http it would be ignored, and it must not pin a LAN install to https).
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * `crossOrigin`: let other sites embed our images (when CORS is on for external clients).
 * `imageOrigins`: where /images redirects to (an S3 bucket), so those images may load.
 */
export function securityHeaders(opts: { crossOrigin?: boolean; imageOrigins?: string[] } = {}): RequestHandler {
  const base = {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        // Vue binds :style through the CSSOM, which CSP allows; Bootstrap ships as a stylesheet.
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:', ...(opts.imageOrigins ?? [])],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' as const },
    referrerPolicy: { policy: 'same-origin' as const },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: opts.crossOrigin ? ('cross-origin' as const) : ('same-origin' as const) },
  };
  const plain = helmet({ ...base, strictTransportSecurity: false });
  const secure = helmet({ ...base, strictTransportSecurity: { maxAge: 180 * 24 * 3600, includeSubDomains: false } });
  return (req, res, next) => (req.secure ? secure : plain)(req, res, next);
}
