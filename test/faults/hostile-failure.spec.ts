import { Injectable, Module } from '@nestjs/common';
import { AioClockModule, AioClockRegistry, Once, OnStartUp } from '../../lib';
import { taskFailed } from '../../lib/aioclock.messages';
import { createTestApp } from '../src/create-app';

// Issue 11, defect 2 (the formatting half): reporting a failure formatted the
// thrown value with String(), which throws for a null-prototype object; the
// scheduler caught that, but the run's waiter was never settled, so runTask
// and app.init() (through @OnStartUp) never returned. Formatting can no
// longer throw. (A logger that throws is the scheduler's part, not this one.)

/** A null-prototype object holding itself: neither JSON nor String() can print it. */
function cyclicNullPrototype(): Record<string, unknown> {
  const value = Object.create(null) as Record<string, unknown>;
  value.self = value;
  return value;
}

const thrownAtStartUp = cyclicNullPrototype();

@Injectable()
class HostileFailures {
  readonly thrown = cyclicNullPrototype();

  @OnStartUp({ name: 'hostile.startUp' })
  startUp(): void {
    throw thrownAtStartUp;
  }

  @Once({ name: 'hostile.manual', enabled: false })
  manual(): void {
    throw this.thrown;
  }
}

@Module({ providers: [HostileFailures] })
class HostileFailuresModule {}

describe('A task throwing a value that cannot be printed', () => {
  it('should let app.init() return past a failing @OnStartUp, and runTask reject with the value', async () => {
    // createTestApp awaits app.init(): it used to hang here.
    const { app, logger } = await createTestApp({
      imports: [AioClockModule.forRoot(), HostileFailuresModule],
    });
    try {
      const registry = app.get(AioClockRegistry);
      expect(registry.getTask('hostile.startUp').failures).toBe(1);

      const run = registry.runTask('hostile.manual');
      let outcome: unknown = 'pending';
      run.then(
        () => (outcome = 'resolved'),
        (error: unknown) => (outcome = error),
      );
      // A synchronous throw settles within the current round of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      expect(outcome).toBe(app.get(HostileFailures).thrown);

      expect(logger.aioclock('error').map((e) => e.message)).toEqual([
        taskFailed('hostile.startUp', thrownAtStartUp),
        taskFailed('hostile.manual', app.get(HostileFailures).thrown),
      ]);
      expect(taskFailed('hostile.manual', thrownAtStartUp)).toBe(
        'Task hostile.manual failed: [object Object]',
      );
    } finally {
      await app.close();
    }
  }, 10_000);
});
