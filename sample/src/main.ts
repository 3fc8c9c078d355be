import { startSample } from './app.js';

const redisUrl = process.env.REDIS_URL || undefined;
const { port } = await startSample({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST || undefined,
  redisUrl,
  bot: process.env.CHAT_BOT !== 'off',
});
console.log(
  `ETP sample: page http://localhost:${port}/ , gateway ws://localhost:${port}/ws` +
    (redisUrl === undefined ? '' : ` , rooms shared through ${redisUrl}`),
);
