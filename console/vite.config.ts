/**
 * Build of the console: `vite build console` writes console/dist, which the local server serves at `/` (and
 * CloudFront serves in AWS). `vite console` runs a dev server that forwards API calls to `npm start` on :8080.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const API_ORIGIN = process.env.CARECHAIN_API_ORIGIN ?? 'http://localhost:8080';
const apiPaths = ['/v1', '/rpc', '/docs', '/health', '/webhooks'];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: API_ORIGIN, changeOrigin: false }])),
  },
});
