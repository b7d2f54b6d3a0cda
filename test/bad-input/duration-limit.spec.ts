import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  AioClockError,
  AioClockModule,
  Clock,
  Every,
  InvalidTriggerError,
  Once,
  RedisCoordinator,
  VirtualClock,
} from '../../lib';
import { AioClockHealthIndicator } from '../../lib/health';
import {
  beyondTimerLimit,
  claimBeyondHalfTimerLimit,
  invalidCoordinatorOption,
  invalidOption,
} from '../../lib/aioclock.messages';
import { CaptureLogger } from '../src/capture-logger';
import { HealthFixtureModule } from '../src/http/health.fixtures';

// Issue 11, defect 7: setTimeout turns a delay above 2^31-1 ms into 1 ms, so
// a duration option beyond it (claimTimeoutMs: 3e9 made every Redis claim
// time out at once) is a bad option, reported like any other: a typed error
// naming the owner, the option and the value. The limit itself is accepted.

const LIMIT = 2 ** 31 - 1;
const HUGE = 3e9;
const any = <T>(value: unknown): T => value as T;

@Injectable()
class PlainTasks {
  @Every({ seconds: 1 })
  tick(): void {}
}

function featureModule(group: unknown): DynamicModule {
  @Module({ providers: [PlainTasks] })
  class SlowFeatureModule {}
  return {
    module: SlowFeatureModule,
    imports: [AioClockModule.forFeature(any(group))],
  };
}

async function initError(imports: DynamicModule[]): Promise<unknown> {
  const app = await Test.createTestingModule({ imports })
    .overrideProvider(Clock)
    .useValue(new VirtualClock(new Date('2024-03-29T10:00:00Z')))
    .setLogger(new CaptureLogger())
    .compile();
  try {
    await app.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app.close().catch(() => undefined);
  }
}

function decorationError(decorator: MethodDecorator): unknown {
  class LongTasks {
    run(): void {}
  }
  try {
    Reflect.decorate(
      [decorator],
      LongTasks.prototype,
      'run',
      Object.getOwnPropertyDescriptor(LongTasks.prototype, 'run'),
    );
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('Duration options beyond the timer limit', () => {
  const client = new Redis({ lazyConnect: true });
  afterAll(() => client.disconnect());

  it.each([
    ['@Every timeout', Every({ seconds: 1 }, { timeout: HUGE })],
    ['@Once timeout', Once({ timeout: HUGE })],
  ])('should reject a task option: %s', (_title, decorator) => {
    const error = decorationError(decorator);
    expect(error).toBeInstanceOf(InvalidTriggerError);
    expect((error as Error).message).toBe(
      invalidOption('LongTasks.run', 'timeout', HUGE, beyondTimerLimit(LIMIT)),
    );
  });

  it('should accept a task timeout of exactly the limit', () => {
    expect(decorationError(Every({ seconds: 1 }, { timeout: LIMIT }))).toBe(
      undefined,
    );
  });

  it('should reject forRoot({ shutdownTimeout: 3e9 }) at init', async () => {
    const error = await initError([
      AioClockModule.forRoot({ shutdownTimeout: HUGE }),
    ]);
    expect(error).toBeInstanceOf(AioClockError);
    expect((error as Error).message).toBe(
      invalidOption(
        'AioClockModule',
        'shutdownTimeout',
        HUGE,
        beyondTimerLimit(LIMIT),
      ),
    );
  });

  it('should reject forFeature({ timeout: 3e9 }) at init', async () => {
    const error = await initError([
      AioClockModule.forRoot(),
      featureModule({ timeout: HUGE }),
    ]);
    expect(error).toBeInstanceOf(AioClockError);
    expect((error as Error).message).toBe(
      invalidOption(
        'AioClockModule.forFeature() in SlowFeatureModule',
        'timeout',
        HUGE,
        beyondTimerLimit(LIMIT),
      ),
    );
  });

  it('should accept module and group durations of exactly the limit', async () => {
    expect(
      await initError([
        AioClockModule.forRoot({ shutdownTimeout: LIMIT }),
        featureModule({ timeout: LIMIT }),
      ]),
    ).toBe(undefined);
  });

  it.each([
    [
      { claimTimeoutMs: HUGE },
      invalidCoordinatorOption('claimTimeoutMs', HUGE, beyondTimerLimit(LIMIT)),
    ],
    [
      // A lease of twice the claim bound would pass the limit.
      { claimTimeoutMs: 1.5e9 },
      invalidCoordinatorOption(
        'claimTimeoutMs',
        1.5e9,
        claimBeyondHalfTimerLimit(LIMIT),
      ),
    ],
    [
      { leaseTtlMs: HUGE },
      invalidCoordinatorOption('leaseTtlMs', HUGE, beyondTimerLimit(LIMIT)),
    ],
  ])('should reject the Redis coordinator option %p', (options, message) => {
    const build = () => new RedisCoordinator({ client, ...options });
    expect(build).toThrow(AioClockError);
    expect(build).toThrow(message);
  });

  it('should accept Redis durations at the limit, the default lease included', () => {
    const half = Math.floor(LIMIT / 2);
    expect(
      new RedisCoordinator({ client, claimTimeoutMs: half }).leaseTtlMs,
    ).toBe(2 * half);
    expect(new RedisCoordinator({ client, leaseTtlMs: LIMIT }).leaseTtlMs).toBe(
      LIMIT,
    );
  });

  it('should reject a health overdueMarginMs of 3e9', async () => {
    const app = await Test.createTestingModule({
      imports: [AioClockModule.forRoot(), HealthFixtureModule],
    })
      .setLogger(new CaptureLogger())
      .compile();
    await app.init();
    try {
      const indicator = app.get(AioClockHealthIndicator);
      const check = () =>
        indicator.isHealthy('aioclock', { overdueMarginMs: HUGE });
      expect(check).toThrow(AioClockError);
      expect(check).toThrow(
        invalidOption(
          'AioClockHealthIndicator.isHealthy()',
          'overdueMarginMs',
          HUGE,
          beyondTimerLimit(LIMIT),
        ),
      );
      expect(
        indicator.isHealthy('aioclock', { overdueMarginMs: LIMIT }),
      ).toMatchObject({ aioclock: { status: 'up' } });
    } finally {
      await app.close();
    }
  });
});
