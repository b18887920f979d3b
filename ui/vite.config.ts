import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// The built files are served by Tauri from the `tauri://localhost` custom
// protocol (and `http://tauri.localhost` on Windows). A relative base keeps
// every asset URL relative to index.html, so it works under any origin.
export default defineConfig({
  base: './',
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Everything stays in files: no data: URLs for assets, which the CSP
    // (default-src 'self') would block.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
