/**
 * Emits `critical.css` next to the built app: the rules of the built stylesheet that the server's
 * first-paint markup (server/src/routes/home-shell.ts) uses. The server inlines only these into the home
 * page and links the whole stylesheet at the end of the body, so a phone on slow 4G paints the first screen
 * after ~5 KB of CSS instead of ~13 KB (issue 12, gallery visible ≤ 1 s). The whole stylesheet repeats
 * these rules in the same order, so once it has loaded the cascade is the same as with it alone.
 */
import { PurgeCSS } from 'purgecss';
import type { Plugin } from 'vite';

export function criticalCss(content: string[]): Plugin {
  return {
    name: 'waifudex-critical-css',
    apply: 'build',
    async generateBundle(_opts, bundle) {
      const sheets = Object.values(bundle).filter((f) => f.type === 'asset' && f.fileName.endsWith('.css'));
      if (sheets.length !== 1) return this.warn(`critical.css: expected one stylesheet, found ${sheets.length}`);
      const sheet = sheets[0] as { source: string | Uint8Array };
      const raw = typeof sheet.source === 'string' ? sheet.source : new TextDecoder().decode(sheet.source);
      const [out] = await new PurgeCSS().purge({
        content,
        css: [{ raw }],
        keyframes: true,
        // custom properties nothing in these rules reads (most of Bootstrap's) wait for the whole sheet
        variables: true,
        safelist: { greedy: [/data-bs-theme/] },
      });
      this.emitFile({ type: 'asset', fileName: 'critical.css', source: out!.css });
    },
  };
}
