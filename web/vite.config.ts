import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import purgeCss from '@fullhuman/postcss-purgecss';
import { criticalCss } from './critical-css';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  plugins: [
    vue(),
    // what the server's first-paint markup needs, inlined into the home page (the rest comes later)
    criticalCss([here('index.html'), here('public/theme.js'), here('../server/src/routes/home-shell.ts')]),
  ],
  css: {
    postcss: {
      // Bootstrap ships every component (230 KB); only the classes the app names are kept, so the whole
      // stylesheet is small enough for the server to inline into the first page (issue 12, first paint).
      // The server's first-paint markup (home-shell.ts) names classes too. No class may be built from
      // pieces at run time unless it is listed below.
      plugins: [
        purgeCss({
          content: [
            here('index.html'),
            here('src/**/*.{vue,ts}'),
            here('public/*.js'),
            here('../server/src/routes/home-shell.ts'),
          ],
          // :class="`text-bg-${kind}`" (toasts); Bootstrap's dark theme attribute; vue-router's link classes
          keyframes: true,
          safelist: { standard: [/^text-bg-/, /^router-link-/], greedy: [/data-bs-theme/] },
        }),
      ],
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://localhost:8080', '/images': 'http://localhost:8080' } },
});
