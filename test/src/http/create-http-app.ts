import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { Clock, VirtualClock } from '../../../lib';
import { CaptureLogger } from '../capture-logger';

/** A real Nest HTTP app (platform-express) on a virtual clock, initialised but not listening. */
export interface HttpTestApp {
  app: INestApplication;
  clock: VirtualClock;
  logger: CaptureLogger;
}

/**
 * Builds the app from `imports` with `Clock` overridden by a VirtualClock;
 * supertest can drive `app.getHttpServer()` without a port.
 * @param start the virtual start time @default Friday 2024-03-29 10:00 UTC
 */
export async function createHttpApp(
  metadata: ModuleMetadata,
  start = '2024-03-29T10:00:00Z',
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<HttpTestApp> {
  const clock = new VirtualClock(new Date(start));
  const logger = new CaptureLogger();
  const moduleRef = await customize(
    Test.createTestingModule(metadata).overrideProvider(Clock).useValue(clock),
  )
    .setLogger(logger)
    .compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return { app, clock, logger };
}
