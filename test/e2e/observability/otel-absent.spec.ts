// @opentelemetry/api is an optional peer: this file hides it, as in an app
// that never installed it. Every require of it throws what Node would.
jest.mock('@opentelemetry/api', () => {
  const error = new Error("Cannot find module '@opentelemetry/api'");
  (error as NodeJS.ErrnoException).code = 'MODULE_NOT_FOUND';
  throw error;
});

import { Injectable, Module } from '@nestjs/common';
import { AioClockModule, AioClockRegistry, Every } from '../../../lib';
import { createTestApp } from '../../src/create-app';

@Injectable()
class PlainTasks {
  runs = 0;

  @Every({ seconds: 10 }, { name: 'plain.tick' })
  tick(): void {
    this.runs += 1;
  }
}

@Module({ providers: [PlainTasks] })
class PlainModule {}

describe('Without @opentelemetry/api installed', () => {
  it('should hide the module from this file', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(() => require('@opentelemetry/api')).toThrow(
      "Cannot find module '@opentelemetry/api'",
    );
  });

  it.each([['auto' as const], [true]])(
    'should still load and run tasks (openTelemetry: %p), logging no error',
    async (openTelemetry) => {
      const { app, clock, logger } = await createTestApp(
        {
          imports: [
            AioClockModule.forRoot({ timeZone: 'UTC', openTelemetry }),
            PlainModule,
          ],
        },
        '2024-03-29T10:00:00Z',
      );
      await clock.advance(30_000);
      await app.get(AioClockRegistry).runTask('plain.tick');
      expect(app.get(PlainTasks).runs).toBe(4);
      expect(logger.aioclock('error')).toEqual([]);
      await app.close();
    },
  );
});
