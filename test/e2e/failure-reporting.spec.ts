import { Injectable, Module } from '@nestjs/common';
import {
  AioClockModule,
  AioClockRegistry,
  Clock,
  Every,
  OnStartUp,
  VirtualClock,
} from '../../lib';
import { Test } from '@nestjs/testing';
import { CaptureLogger } from '../src/capture-logger';

/** A null-prototype object that refers to itself: no default formatting survives it. */
function hostileValue(): object {
  const value = Object.create(null) as Record<string, unknown>;
  value.self = value;
  return value;
}

/** An app logger that throws on every AioClock line (Nest's own lines still go through). */
class ThrowingAioClockLogger extends CaptureLogger {
  thrown = 0;
  override error(message: unknown, ...rest: (string | undefined)[]): void {
    if (rest.includes('AioClock')) {
      this.thrown++;
      throw new Error('logger down');
    }
    super.error(message, ...rest);
  }
  override warn(message: unknown, context?: string): void {
    if (context === 'AioClock') throw new Error('logger down');
    super.warn(message, context);
  }
}

@Injectable()
class HostileTasks {
  @OnStartUp()
  boot(): void {
    throw hostileValue();
  }

  @Every({ hours: 1 })
  async sync(): Promise<void> {
    await Promise.resolve();
    throw hostileValue();
  }
}

@Module({ providers: [HostileTasks] })
class HostileModule {}

describe('Failure reporting that throws', () => {
  it('should still finish app.init() and settle runTask when the app logger throws on a hostile value', async () => {
    const logger = new ThrowingAioClockLogger();
    const clock = new VirtualClock(new Date('2024-03-31T11:00:00Z'));
    const app = await Test.createTestingModule({
      imports: [AioClockModule.forRoot(), HostileModule],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .setLogger(logger)
      .compile();
    let initialised = false;
    void app.init().then(() => (initialised = true));
    await clock.advance(0);
    expect(initialised).toBe(true);

    let outcome = 'pending';
    app
      .get(AioClockRegistry)
      .runTask('HostileTasks.sync')
      .then(
        () => (outcome = 'resolved'),
        () => (outcome = 'rejected'),
      );
    await clock.advance(0);

    expect(outcome).toBe('rejected');
    expect(logger.thrown).toBeGreaterThan(0);
    expect(
      app.get(AioClockRegistry).getTask('HostileTasks.boot'),
    ).toMatchObject({
      runs: 1,
      failures: 1,
    });
    await app.close();
  });
});
