import { Injectable, type INestApplication, Module } from '@nestjs/common';
import request from 'supertest';
import { AioClockModule, Every, type TaskContext } from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';

/** Waits for its signal: ends only by timeout or shutdown. */
const untilAborted = (ctx: TaskContext): Promise<never> =>
  new Promise((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
  );

@Injectable()
class HistoryTasks {
  private calls = 0;

  @Every({ seconds: 10 }, { name: 'h.flaky' })
  flaky(): string {
    this.calls += 1;
    if (this.calls % 2 === 0) throw new Error(`call ${this.calls} failed`);
    return 'ok';
  }

  @Every({ seconds: 10 }, { name: 'h.stuck', timeout: 15_000 })
  stuck(ctx: TaskContext): Promise<never> {
    return untilAborted(ctx);
  }
}

@Module({ providers: [HistoryTasks] })
class HistoryModule {}

describe('GET {path}/tasks/:name/history', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const created = await createHttpApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC', shutdownTimeout: 0 }),
        HistoryModule,
        AioClockHttpModule.register({ guards: [{ canActivate: () => true }] }),
      ],
    });
    app = created.app;
    http = request(app.getHttpServer());
    await created.clock.advance(26_000);
  });

  afterAll(() => app.close());

  it("should list a task's runs newest first, shaped like RunRecord", async () => {
    const res = await http.get('/aioclock/tasks/h.flaky/history').expect(200);
    const replica = res.body[0].replica;
    expect(replica).toMatch(/^.+:\d+$/);
    expect(res.body).toEqual([
      {
        task: 'h.flaky',
        scheduledAt: '2024-03-29T10:00:20.000Z',
        startedAt: '2024-03-29T10:00:20.000Z',
        finishedAt: '2024-03-29T10:00:20.000Z',
        outcome: 'failed',
        error: 'call 2 failed',
        replica,
        attempt: 1,
        catchUp: false,
      },
      {
        task: 'h.flaky',
        scheduledAt: '2024-03-29T10:00:10.000Z',
        startedAt: '2024-03-29T10:00:10.000Z',
        finishedAt: '2024-03-29T10:00:10.000Z',
        outcome: 'succeeded',
        replica,
        attempt: 1,
        catchUp: false,
      },
    ]);
  });

  it('should tell a timed-out run from a failed one, and give a skipped due time no start', async () => {
    const res = await http.get('/aioclock/tasks/h.stuck/history').expect(200);
    expect(
      res.body.map((r: Record<string, unknown>) => [
        r.outcome,
        r.scheduledAt,
        r.startedAt,
        r.finishedAt,
      ]),
    ).toEqual([
      [
        'timedOut',
        '2024-03-29T10:00:10.000Z',
        '2024-03-29T10:00:10.000Z',
        '2024-03-29T10:00:25.000Z',
      ],
      ['skipped', '2024-03-29T10:00:20.000Z', null, null],
    ]);
  });

  it('should honour limit, and refuse a bad one or an unknown task', async () => {
    const one = await http
      .get('/aioclock/tasks/h.flaky/history?limit=1')
      .expect(200);
    expect(one.body.map((r: { outcome: string }) => r.outcome)).toEqual([
      'failed',
    ]);
    const bad = await http
      .get('/aioclock/tasks/h.flaky/history?limit=0')
      .expect(400);
    expect(bad.body.message).toBe(
      'GET tasks/h.flaky/history: invalid limit: "0" (expected an integer from 1 to 1000)',
    );
    await http.get('/aioclock/tasks/nope/history').expect(404);
  });
});
