import { startSample } from './app.js';

const { port } = await startSample({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST || undefined,
});
console.log(`ETP sample: page http://localhost:${port}/ , gateway ws://localhost:${port}/ws`);
