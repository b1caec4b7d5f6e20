import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

/** The renderer alone, for the browser face (`npm run web`) and the Chromium e2e tests. */
export default defineConfig({
  root: 'src-renderer',
  plugins: [vue()],
  build: { outDir: '../out/web', emptyOutDir: true },
});
