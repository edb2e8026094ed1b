// Bundles src/cli.tsx into dist/ (ESM, code-split so `wizard --version` loads only the entry).

import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.tsx' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  jsx: 'automatic',
  sourcemap: 'linked',
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
  // Ink loads react-devtools-core only when DEV=true; it is not a dependency.
  external: ['react-devtools-core'],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __wizardCreateRequire } from 'node:module'; const require = __wizardCreateRequire(import.meta.url);",
  },
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"' },
});
