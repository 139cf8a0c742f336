import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));

// The console is static files the Corral server serves at / (see apps/server/src/web-console).
export default defineConfig({
  root: here,
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: `${here}../../dist/web`, emptyOutDir: true, sourcemap: true },
  // `vite` (dev) against a server on :8080: the API and the docs pass through, same origin for the browser
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/docs': 'http://127.0.0.1:8080' } },
});
