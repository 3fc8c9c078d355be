import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { EtpAdapter } from 'nestjs-etp';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
app.useWebSocketAdapter(new EtpAdapter(app));
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
console.log(`ETP sample listening: ws://localhost:${port}/ws`);
