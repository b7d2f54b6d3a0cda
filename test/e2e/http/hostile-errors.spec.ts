import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { config } from 'rxjs';
import request from 'supertest';
import {
  AioClockHttpModule,
  AioClockModule,
  AioClockRegistry,
  Every,
} from '../../../lib';
import { createHttpApp } from '../../src/http/create-http-app';
import { HealthFixtureModule } from '../../src/http/health.fixtures';

// Issue 11, defect 1: the HTTP history's and the health indicator's events$
// subscribers turned a failure into text with `message.length`; for an Error
// whose message is null that threw, and rxjs rethrows a subscriber's error
// from a timer, which ends the process. rxjs's onUnhandledError hook sees that
// rethrow here without letting it reach Jest.

/** Throws whatever `next` holds, every 5 s. */
@Injectable()
class ThrowingTasks {
  next: () => unknown = () => new Error('unset');

  @Every({ seconds: 5 }, { name: 'hostile.throw' })
  run(): void {
    throw this.next();
  }
}

@Module({ providers: [ThrowingTasks] })
class ThrowingModule {}

function cyclicNullPrototype(): object {
  const value = Object.create(null) as Record<string, unknown>;
  value.self = value;
  return value;
}

const thrown: Array<[string, () => unknown, string]> = [
  [
    'an Error whose message is null',
    () => Object.assign(new Error('x'), { message: null }),
    'Error (message: null)',
  ],
  ['a cyclic null-prototype object', cyclicNullPrototype, '[object Object]'],
  ['a Symbol', () => Symbol('boom'), 'Symbol(boom)'],
  ['a BigInt', () => 7n, '7n'],
  ['null', () => null, 'null'],
];

describe('Hostile thrown values with the HTTP module and the health indicator mounted', () => {
  let app: INestApplication | undefined;
  let unhandled: unknown[];
  const original = config.onUnhandledError;

  beforeEach(() => {
    unhandled = [];
    config.onUnhandledError = (error) => unhandled.push(error);
  });

  afterEach(async () => {
    config.onUnhandledError = original;
    await app?.close();
    app = undefined;
  });

  it.each(thrown)(
    'should keep running and record %s',
    async (_title, make, text) => {
      const created = await createHttpApp({
        imports: [
          AioClockModule.forRoot({ timeZone: 'UTC' }),
          AioClockHttpModule.register({
            guards: [{ canActivate: () => true }],
          }),
          HealthFixtureModule,
          ThrowingModule,
        ],
      });
      app = created.app;
      app.get(ThrowingTasks).next = make;
      const registry = app.get(AioClockRegistry);

      await created.clock.advance(15_000);
      // rxjs reports a subscriber's error from a real timer: let it fire.
      await new Promise((resolve) => setTimeout(resolve, 5));

      expect(unhandled).toEqual([]);
      const task = registry.getTask('hostile.throw');
      expect(task).toMatchObject({ runs: 3, failures: 3, finished: false });

      const http = request(app.getHttpServer());
      const overview = await http.get('/aioclock/overview').expect(200);
      const row = (
        overview.body.tasks as Array<{
          name: string;
          lastError: { message: string } | null;
          recent: Array<{ outcome: string; error?: string }>;
        }>
      ).find((t) => t.name === 'hostile.throw')!;
      expect(row.lastError?.message).toBe(text);
      expect(row.recent.map((r) => [r.outcome, r.error])).toEqual([
        ['failed', text],
        ['failed', text],
        ['failed', text],
      ]);

      const health = await http.get('/health').expect(200);
      expect(health.body.info.scheduler.failing).toEqual([
        {
          name: 'hostile.throw',
          group: 'ThrowingModule',
          consecutiveFailures: 3,
          lastError: text,
        },
      ]);
      expect(created.logger.aioclock('error').map((e) => e.message)).toContain(
        `Task hostile.throw failed: ${text}`,
      );
    },
  );
});
