// Builds the page into dist/ (committed; rlm-server embeds it). The output
// must depend on the sources and the lockfile only, so that CI can rebuild
// and compare: no timestamps, content-hashed file names, no source maps.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 300,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
