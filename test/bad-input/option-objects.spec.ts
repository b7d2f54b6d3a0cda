import { Test, type TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  AioClockError,
  AioClockHttpModule,
  AioClockModule,
  PostgresCoordinator,
  RedisCoordinator,
} from '../../lib';
import { AioClockHealthIndicator } from '../../lib/health';
import {
  invalidCoordinatorOption,
  invalidOption,
  unknownOption,
} from '../../lib/aioclock.messages';
import { checkOptions, positiveMs } from '../../lib/options/option-rules';
import { CaptureLogger } from '../src/capture-logger';
import { HealthFixtureModule } from '../src/http/health.fixtures';

// Every option object is checked by one rule-table mechanism
// (lib/options/option-rules.ts). The module, group and task tables are walled
// in bad-input.spec.ts; this file covers the health options (not checked at
// all before), what the HTTP and Redis tables gained, and the mechanism.

const any = <T>(value: unknown): T => value as T;
const HEALTH = 'AioClockHealthIndicator.isHealthy()';

describe('Option objects', () => {
  describe('when AioClockHealthIndicator.isHealthy gets bad options', () => {
    let app: TestingModule;
    let indicator: AioClockHealthIndicator;

    beforeAll(async () => {
      app = await Test.createTestingModule({
        imports: [AioClockModule.forRoot(), HealthFixtureModule],
      })
        .setLogger(new CaptureLogger())
        .compile();
      await app.init();
      indicator = app.get(AioClockHealthIndicator);
    });

    afterAll(() => app.close());

    it.each([
      [
        { overdueMarginMs: -1 },
        invalidOption(
          HEALTH,
          'overdueMarginMs',
          -1,
          'a finite number of milliseconds >= 0',
        ),
      ],
      [
        { overdueMarginMs: '60s' },
        invalidOption(
          HEALTH,
          'overdueMarginMs',
          '60s',
          'a finite number of milliseconds >= 0',
        ),
      ],
      [
        { failureThreshold: 0 },
        invalidOption(HEALTH, 'failureThreshold', 0, 'an integer >= 1'),
      ],
      [
        { failureThreshold: 2.5 },
        invalidOption(HEALTH, 'failureThreshold', 2.5, 'an integer >= 1'),
      ],
      [
        { failureTreshold: 3 },
        unknownOption(HEALTH, 'failureTreshold', [
          'overdueMarginMs',
          'failureThreshold',
        ]),
      ],
      [null, invalidOption(HEALTH, 'options', null, 'an object')],
    ])('should throw a typed error for %p', (options, message) => {
      const check = () => indicator.isHealthy('aioclock', any(options));
      expect(check).toThrow(AioClockError);
      expect(check).toThrow(message);
    });

    it('should accept the documented options and their edges', () => {
      expect(
        indicator.isHealthy('aioclock', {
          overdueMarginMs: 0,
          failureThreshold: 1,
        }),
      ).toMatchObject({ aioclock: { status: 'up' } });
      expect(indicator.isHealthy()).toMatchObject({
        aioclock: { status: 'up' },
      });
    });
  });

  it('should reject AioClockHttpModule imports that are not an array', () => {
    expect(() =>
      AioClockHttpModule.register({ imports: any('AuthModule') }),
    ).toThrow(
      invalidOption(
        'AioClockHttpModule.register()',
        'imports',
        'AuthModule',
        'an array of modules',
      ),
    );
  });

  describe('when RedisCoordinator gets bad options', () => {
    const client = new Redis({ lazyConnect: true });
    afterAll(() => client.disconnect());

    it('should name an unknown option instead of ignoring it', () => {
      const build = () =>
        new RedisCoordinator(any({ client, claimTimeOutMs: 5_000 }));
      expect(build).toThrow(AioClockError);
      expect(build).toThrow(
        unknownOption('RedisCoordinator', 'claimTimeOutMs', [
          'client',
          'keyPrefix',
          'claimTimeoutMs',
          'leaseTtlMs',
          'heartbeatMs',
          'history',
          'replicaId',
        ]),
      );
    });

    it.each([{ kepp: 500 }, { keep: 50, max: 1 }, []])(
      'should reject history %j, as PostgresCoordinator does',
      (history) => {
        const expected = invalidCoordinatorOption(
          'history',
          history,
          '{ keep?: an integer from 1 to 100000 }',
        );
        expect(() => new RedisCoordinator(any({ client, history }))).toThrow(
          expected,
        );
        expect(
          () =>
            new PostgresCoordinator(
              any({ pool: { query: () => Promise.resolve() }, history }),
            ),
        ).toThrow(
          /PostgresCoordinator: invalid history: .*\{ keep\?: an integer from 1 to 100000 \}/,
        );
      },
    );

    it('should reject missing options the way it rejects a missing client', () => {
      expect(() => new RedisCoordinator(any(undefined))).toThrow(
        invalidCoordinatorOption(
          'client',
          undefined,
          'an ioredis Redis or Cluster instance',
        ),
      );
    });
  });

  describe('checkOptions', () => {
    interface Sample {
      first?: number;
      second?: number;
    }
    const table = {
      rules: { first: positiveMs, second: positiveMs },
      error: (message: string) => new AioClockError(message),
    };

    it('should accept undefined as "no options"', () => {
      expect(() =>
        checkOptions<Sample>('Owner', undefined, table),
      ).not.toThrow();
    });

    it('should report an unknown key before a bad value', () => {
      expect(() =>
        checkOptions<Sample>('Owner', { first: -1, third: 1 }, table),
      ).toThrow(unknownOption('Owner', 'third', ['first', 'second']));
    });

    it('should check the rules in table order, whatever the order given', () => {
      expect(() =>
        checkOptions<Sample>('Owner', { second: -2, first: -1 }, table),
      ).toThrow(
        invalidOption(
          'Owner',
          'first',
          -1,
          'a finite number of milliseconds > 0',
        ),
      );
    });

    it('should skip a key given as undefined', () => {
      expect(() =>
        checkOptions<Sample>('Owner', { first: undefined }, table),
      ).not.toThrow();
    });

    it('should describe a hostile option value without throwing something else', () => {
      const hostile = Object.create(null) as Record<string, unknown>;
      hostile.self = hostile;
      expect(() =>
        checkOptions<Sample>('Owner', { first: hostile }, table),
      ).toThrow(
        invalidOption(
          'Owner',
          'first',
          hostile,
          'a finite number of milliseconds > 0',
        ),
      );
    });
  });
});
