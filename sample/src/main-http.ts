import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { API_KEY } from './http/api-key.guard';
import { HttpAppModule } from './http/http-app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(HttpAppModule);
  // Ctrl-C / SIGTERM: /health turns down, running tasks drain, then the server closes.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');

  const logger = new Logger('Sample');
  const base = `http://localhost:${port}`;
  logger.log(
    `Dashboard: ${base}/aioclock  (user: anything, password: the API key)`,
  );
  logger.log(`API:       curl -H 'x-api-key: …' ${base}/aioclock/tasks`);
  logger.log(`Health:    ${base}/health`);
  if (API_KEY === 'change-me')
    logger.warn("Using the default API key 'change-me'; set AIOCLOCK_API_KEY.");

  // CI runs the sample for a few seconds, then closes it as SIGTERM would.
  const runFor = Number(process.env.SAMPLE_RUN_FOR_MS ?? 0);
  if (runFor > 0) setTimeout(() => void app.close(), runFor);
}

void bootstrap();
