/** Test support: every route of an Express app's router tree, and whether an admin guard runs before it. */
import { ADMIN_GUARD } from '../middleware/auth.js';

export interface Route {
  method: string;
  path: string;
  guarded: boolean;
}

const isGuard = (h: unknown) => typeof h === 'function' && (h as any)[ADMIN_GUARD] === true;

/** Every route of the app's router tree, and whether an admin guard runs before its handler. */
export function routesOf(stack: any[], guardedPrefixes: string[] = []): Route[] {
  const out: Route[] = [];
  const prefixes = [...guardedPrefixes];
  for (const layer of stack) {
    if (layer.route) {
      const p = String(layer.route.path);
      const guarded =
        layer.route.stack.some((l: any) => isGuard(l.handle)) ||
        prefixes.some((pre) => p === pre || p.startsWith(`${pre}/`));
      for (const method of Object.keys(layer.route.methods))
        out.push({ method: method.toUpperCase(), path: p, guarded });
    } else if (layer.handle?.stack) {
      out.push(...routesOf(layer.handle.stack, prefixes));
    } else if (isGuard(layer.handle) && typeof layer.rawPath === 'string') {
      prefixes.push(layer.rawPath);
    }
  }
  return out;
}

export const concrete = (p: string) => p.replace(/:(\w+)/g, '1').replace(/\*(\w+)/g, 'x');
