import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

/** Built into dist/ and served by the coordination service (same origin): no CDN, no remote fonts. */
export default defineConfig({
  plugins: [vue()],
  root: import.meta.dirname,
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/api": "http://127.0.0.1:3000", "/ws": { target: "ws://127.0.0.1:3000", ws: true } } },
});
