import type { ModuleMetadata } from '@nestjs/common';
import {
  Test,
  type TestingModule,
  type TestingModuleBuilder,
} from '@nestjs/testing';
import { Clock, VirtualClock } from '../../lib';
import { CaptureLogger } from './capture-logger';

/** A started test app whose time is virtual and whose log is captured. */
export interface TestApp {
  app: TestingModule;
  clock: VirtualClock;
  logger: CaptureLogger;
}

/**
 * Builds a real Nest app from `imports`, with `Clock` overridden by a
 * VirtualClock starting at `start`, and runs its lifecycle up to bootstrap.
 * @param customize e.g. `(b) => b.overrideProvider(Mail).useValue(fake)`
 */
export async function createTestApp(
  metadata: ModuleMetadata,
  start = '2024-03-31T11:00:00Z',
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<TestApp> {
  const clock = new VirtualClock(new Date(start));
  const logger = new CaptureLogger();
  const builder = customize(
    Test.createTestingModule(metadata).overrideProvider(Clock).useValue(clock),
  );
  const app = await builder.setLogger(logger).compile();
  await app.init();
  return { app, clock, logger };
}
