import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { replicasAppModule } from './replicas/replicas-app.module';

async function bootstrap(): Promise<void> {
  // Every replica points at the same Redis; `REDIS_URL` as the tests read it.
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  // SAMPLE_KEY_PREFIX keeps one run's keys apart from another's (the tests use it).
  const app = await NestFactory.createApplicationContext(
    replicasAppModule(redis, process.env.SAMPLE_KEY_PREFIX || undefined),
  );
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  await app.init();
  const logger = new Logger('Sample');
  logger.log(
    `Replica ${process.pid} on ${url.replace(/\/\/[^@]*@/, '//')}: start another with npm run sample:replicas to share the work. Ctrl-C stops it.`,
  );

  const stop = async (): Promise<void> => {
    await app.close();
    await redis.quit();
  };
  // CI runs the sample for a few seconds, then closes it as SIGTERM would.
  const runFor = Number(process.env.SAMPLE_RUN_FOR_MS ?? 0);
  if (runFor > 0) setTimeout(() => void stop(), runFor);
}

void bootstrap();
