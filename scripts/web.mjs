// `npm run web`: serves the renderer to a browser on 127.0.0.1. The WebSocket bridge that
// connects the page to the engine arrives with the IPC issue; until then the page states that
// no engine is connected (src-renderer/stores/app.ts).
import { createServer } from 'vite';

const port = Number(process.env.PARLEY_WEB_PORT ?? 5173);
const server = await createServer({ configFile: 'vite.web.config.ts', server: { port, host: '127.0.0.1' } });
await server.listen();
server.printUrls();
