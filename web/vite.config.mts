import { defineConfig } from 'vite';

// `vite build web` (the folder is Vite's root). The web client is static files: `vite build` writes web/dist, which any static host serves next to
// a reverse proxy for the API's /graphql and /auth/ paths (the local stack's web server does both).
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The explorer page carries GraphiQL and the Monaco editor (Monaco alone is about 2.8 MB); the client's own page stays small.
    chunkSizeWarningLimit: 3000,
    // Two pages: the client, and the GraphQL explorer (GraphiQL, also served by the API at /graphql).
    rolldownOptions: {
      input: { main: 'index.html', explorer: 'explorer.html' },
      // GraphiQL's React dependencies mark modules "use client" (for server components): meaningless here.
      onLog(level, log, handler) {
        if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
      },
    },
  },
  server: {
    // `npx vite web` during development: the stack's web server answers /config.json and the API.
    proxy: Object.fromEntries(['/config.json', '/graphql', '/auth'].map((path) => [path, process.env.STACK_WEB_URL ?? 'http://127.0.0.1:3000'])),
  },
});
