import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
// Published: import { AioClockRegistry } from 'nestjs-aioclock';
import { AioClockRegistry } from '../../lib';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  // No HTTP server: a scheduler needs only an application context.
  const app = await NestFactory.createApplicationContext(AppModule);
  // Ctrl-C / SIGTERM: stop firing, drain running tasks, run @OnShutDown, then
  // exit 0 (a drained shutdown is a success, not death by signal).
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  await app.init();

  const logger = new Logger('Sample');
  const tasks = app.get(AioClockRegistry).getTasks();
  logger.log(
    `${tasks.length} tasks: ${tasks.map((t) => `${t.group}/${t.name} (${t.trigger.type})`).join(', ')}`,
  );
  logger.log('Press Ctrl-C to stop.');

  // CI runs the sample for a few seconds, then closes it as SIGTERM would.
  const runFor = Number(process.env.SAMPLE_RUN_FOR_MS ?? 0);
  if (runFor > 0) setTimeout(() => void app.close(), runFor);
}

void bootstrap();
