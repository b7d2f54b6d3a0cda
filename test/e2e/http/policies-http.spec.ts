import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AioClockModule } from '../../../lib';
import {
  backfillBody,
  invalidBackfill,
  pausedOnFailure,
} from '../../../lib/aioclock.messages';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';
import { PoliciesModule, PolicyTasks } from '../../src/http/policies.fixtures';

// Run policies over HTTP: pauseOnFailure in the task JSON, and
// POST /tasks/:name/backfill. The app starts at 2024-03-29T10:00:00Z.

describe('AioClockHttpModule and run policies', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start() {
    const created = await createHttpApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC' }),
        PoliciesModule,
        AioClockHttpModule.register(),
      ],
    });
    app = created.app;
    return { ...created, http: request(created.app.getHttpServer()) };
  }

  it('should show a task that paused itself, with its reason, until it is resumed', async () => {
    const { http, clock } = await start();
    // Two due times, each tried twice: two failed runs in a row.
    await clock.advance(2 * 60_000 + 1_000);

    const reason = pausedOnFailure(
      'policies.flaky',
      2,
      new Error('down (attempt 2)'),
    );
    const info = await http.get('/aioclock/tasks/policies.flaky').expect(200);
    expect(info.body).toMatchObject({
      paused: true,
      pausedReason: reason,
      failures: 4,
    });
    const overview = await http.get('/aioclock/overview').expect(200);
    expect(
      (
        overview.body as { tasks: { name: string; pausedReason?: string }[] }
      ).tasks.find((task) => task.name === 'policies.flaky')?.pausedReason,
    ).toBe(reason);

    // The history shows each try.
    const history = await http
      .get('/aioclock/tasks/policies.flaky/history')
      .expect(200);
    expect(
      (history.body as { attempt: number; outcome: string }[]).map(
        (r) => `${r.outcome}#${r.attempt}`,
      ),
    ).toEqual(['failed#2', 'failed#1', 'failed#2', 'failed#1']);

    const resumed = await http
      .post('/aioclock/tasks/policies.flaky/resume')
      .expect(200);
    expect(resumed.body).toMatchObject({ paused: false });
    expect(resumed.body).not.toHaveProperty('pausedReason');
  });

  it('should backfill a range and answer how many due times ran', async () => {
    const { http } = await start();

    const res = await http
      .post('/aioclock/tasks/policies.hourly/backfill')
      .send({ from: '2024-03-29T07:00:00Z', to: '2024-03-29T09:30:00Z' })
      .expect(200);

    expect(res.body).toEqual({ name: 'policies.hourly', fired: 3 });
    const history = await http
      .get('/aioclock/tasks/policies.hourly/history')
      .expect(200);
    expect(
      (history.body as { catchUp: boolean }[]).map((r) => r.catchUp),
    ).toEqual([true, true, true]);
    expect(app!.get(PolicyTasks).backfilled).toEqual([
      '2024-03-29T07:00:00.000Z',
      '2024-03-29T08:00:00.000Z',
      '2024-03-29T09:00:00.000Z',
    ]);
  });

  it.each<[string, unknown, string]>([
    ['no body', undefined, backfillBody(undefined)],
    [
      'a body without to',
      { from: '2024-03-29T07:00:00Z' },
      backfillBody({ from: '2024-03-29T07:00:00Z' }),
    ],
    ['dates as numbers', { from: 1, to: 2 }, backfillBody({ from: 1, to: 2 })],
    [
      'an unparsable from',
      { from: 'yesterday', to: '2024-03-29T09:00:00Z' },
      invalidBackfill(
        'policies.hourly',
        'from',
        'yesterday',
        'a valid Date or ISO 8601 string',
      ),
    ],
    [
      'a reversed range',
      { from: '2024-03-29T09:00:00Z', to: '2024-03-29T07:00:00Z' },
      invalidBackfill(
        'policies.hourly',
        'range',
        { from: '2024-03-29T09:00:00Z', to: '2024-03-29T07:00:00Z' },
        'from at or before to',
      ),
    ],
    [
      'a range in the future',
      { from: '2024-03-29T09:00:00Z', to: '2024-03-29T11:00:00Z' },
      invalidBackfill(
        'policies.hourly',
        'to',
        '2024-03-29T11:00:00Z',
        'an instant not in the future (now: 2024-03-29T10:00:00.000Z)',
      ),
    ],
  ])(
    'should answer 400 with the reason for %s',
    async (_title, body, message) => {
      const { http } = await start();
      const post = http.post('/aioclock/tasks/policies.hourly/backfill');
      const res = await (
        body === undefined ? post : post.send(body as object)
      ).expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, message });
      expect(app!.get(PolicyTasks).backfilled).toEqual([]);
    },
  );

  it('should answer 404 for an unknown task', async () => {
    const { http } = await start();
    await http
      .post('/aioclock/tasks/nope/backfill')
      .send({ from: '2024-03-29T07:00:00Z', to: '2024-03-29T09:00:00Z' })
      .expect(404);
  });
});
