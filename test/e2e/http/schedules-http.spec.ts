import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AioClockModule } from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';
import { HeaderGuard } from '../../src/http/http.fixtures';
import {
  ReportMailer,
  ReportsModule,
} from '../../src/schedules/schedules.fixtures';

const ADMIN = { 'x-admin': 'yes' };

describe('AioClockHttpModule: /schedules', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start() {
    const created = await createHttpApp(
      {
        imports: [
          AioClockModule.forRoot({ timeZone: 'UTC' }),
          ReportsModule,
          AioClockHttpModule.register({ guards: [HeaderGuard] }),
        ],
      },
      '2024-03-31T08:00:00Z',
    );
    app = created.app;
    return {
      ...created,
      http: request(created.app.getHttpServer()),
      mailer: created.app.get(ReportMailer),
    };
  }

  const body = (extra: Record<string, unknown> = {}) => ({
    handler: 'reports.send',
    trigger: { type: 'at', hour: 9, tz: 'Europe/Berlin' },
    payload: { customer: 'c-1' },
    ...extra,
  });

  it('should be behind the same guards', async () => {
    const { http } = await start();
    await http.get('/aioclock/schedules').expect(403);
    await http.put('/aioclock/schedules/c-1').send(body()).expect(403);
    await http.post('/aioclock/schedules/c-1/run').expect(403);
  });

  it('should create, read, page, pause, resume, run and delete schedules', async () => {
    const { http, clock, mailer } = await start();
    const put = await http
      .put('/aioclock/schedules/c-1')
      .set(ADMIN)
      .send(body())
      .expect(200);
    expect(put.body).toMatchObject({
      id: 'c-1',
      handler: 'reports.send',
      trigger: { type: 'at', hour: 9, tz: 'Europe/Berlin' },
      payload: { customer: 'c-1' },
      revision: 1,
      paused: false,
      nextRunAt: '2024-04-01T07:00:00.000Z',
      noHandler: false,
    });
    // The same body again changes nothing.
    const again = await http
      .put('/aioclock/schedules/c-1')
      .set(ADMIN)
      .send(body())
      .expect(200);
    expect(again.body.revision).toBe(1);
    for (const id of ['c-2', 'c-3'])
      await http
        .put(`/aioclock/schedules/${id}`)
        .set(ADMIN)
        .send(body({ id }))
        .expect(200);
    await http
      .put('/aioclock/schedules/r%2F1')
      .set(ADMIN)
      .send({
        handler: 'ReportHandlers.remind',
        trigger: { type: 'every', minutes: 1 },
      })
      .expect(200);

    const first = await http
      .get('/aioclock/schedules?limit=2')
      .set(ADMIN)
      .expect(200);
    expect(first.body.items.map((s: { id: string }) => s.id)).toEqual([
      'c-1',
      'c-2',
    ]);
    const rest = await http
      .get(
        `/aioclock/schedules?limit=2&cursor=${encodeURIComponent(first.body.cursor)}`,
      )
      .set(ADMIN)
      .expect(200);
    expect(rest.body).toMatchObject({
      items: [{ id: 'c-3' }, { id: 'r/1' }],
      cursor: null,
    });
    const reminders = await http
      .get('/aioclock/schedules?handler=ReportHandlers.remind')
      .set(ADMIN)
      .expect(200);
    expect(reminders.body.items.map((s: { id: string }) => s.id)).toEqual([
      'r/1',
    ]);

    const one = await http
      .get('/aioclock/schedules/r%2F1')
      .set(ADMIN)
      .expect(200);
    expect(one.body).toMatchObject({
      id: 'r/1',
      handler: 'ReportHandlers.remind',
    });
    await http.get('/aioclock/schedules/nope').set(ADMIN).expect(404);

    const paused = await http
      .post('/aioclock/schedules/r%2F1/pause')
      .set(ADMIN)
      .expect(200);
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null });
    await clock.advance(5 * 60_000);
    expect(mailer.sent).toEqual([]);
    await http.post('/aioclock/schedules/r%2F1/resume').set(ADMIN).expect(200);
    await clock.advance(60_000);
    expect(mailer.sent).toHaveLength(1);

    const ran = await http
      .post('/aioclock/schedules/c-2/run')
      .set(ADMIN)
      .expect(200);
    expect(ran.body).toEqual({ id: 'c-2', result: null });
    expect(mailer.sent[1]).toMatchObject({
      task: 'schedule:c-2',
      payload: { customer: 'c-1' },
    });
    await http.post('/aioclock/schedules/nope/run').set(ADMIN).expect(404);
    await http.post('/aioclock/schedules/nope/pause').set(ADMIN).expect(404);

    await http
      .delete('/aioclock/schedules/c-2')
      .set(ADMIN)
      .expect(200, { id: 'c-2', removed: true });
    await http.delete('/aioclock/schedules/c-2').set(ADMIN).expect(404);
  });

  it.each<[string, unknown, string | RegExp]>([
    [
      'an unknown handler',
      body({ handler: 'Nobody.here' }),
      'schedule "c-1": unknown handler "Nobody.here" (declared here: ReportHandlers.remind, reports.send)',
    ],
    [
      'a bad trigger',
      body({ trigger: { type: 'at', hour: 24 } }),
      'schedule "c-1": invalid hour: 24 (expected an integer 0–23)',
    ],
    [
      'a once trigger',
      body({ trigger: { type: 'once' } }),
      /^schedule "c-1": invalid trigger type: "once"/,
    ],
    [
      'no trigger',
      { handler: 'reports.send' },
      /^schedule "c-1": invalid trigger type: undefined/,
    ],
    [
      'a payload over 64 KiB',
      body({ payload: 'x'.repeat(70_000) }),
      'schedule "c-1": payload is 70002 bytes as JSON (expected at most 65536)',
    ],
    [
      'an unknown field',
      body({ colour: 'red' }),
      /^schedule "c-1": unknown option "colour"/,
    ],
    [
      'another id in the body',
      body({ id: 'c-2' }),
      /^invalid schedule body for "c-1"/,
    ],
    ['an array body', [1, 2], /^invalid schedule body for "c-1"/],
    [
      'a bad startAt',
      body({ startAt: 'soon' }),
      /^schedule "c-1": invalid startAt: "soon"/,
    ],
  ])(
    'should answer 400 with the reason for %s',
    async (_case, sent, message) => {
      const { http } = await start();
      const res = await http
        .put('/aioclock/schedules/c-1')
        .set(ADMIN)
        .send(sent as object)
        .expect(400);
      expect(res.body.message).toEqual(
        typeof message === 'string' ? message : expect.stringMatching(message),
      );
      await http.get('/aioclock/schedules/c-1').set(ADMIN).expect(404);
    },
  );

  it('should answer 400 for a bad limit, and 403 to a cross-site write', async () => {
    const { http } = await start();
    const res = await http
      .get('/aioclock/schedules?limit=5000')
      .set(ADMIN)
      .expect(400);
    expect(res.body.message).toBe(
      'invalid limit: 5000 (expected an integer from 1 to 1000)',
    );
    await http.get('/aioclock/schedules?limit=abc').set(ADMIN).expect(400);
    await http
      .put('/aioclock/schedules/c-1')
      .set({ ...ADMIN, 'sec-fetch-site': 'cross-site' })
      .send(body())
      .expect(403);
  });

  it('should answer 500 with the message when the handler throws on a manual run', async () => {
    const { http, mailer } = await start();
    await http
      .put('/aioclock/schedules/c-1')
      .set(ADMIN)
      .send(body())
      .expect(200);
    mailer.send = () => {
      throw new Error('smtp down');
    };
    const res = await http
      .post('/aioclock/schedules/c-1/run')
      .set(ADMIN)
      .expect(500);
    expect(res.body).toMatchObject({ message: 'smtp down', id: 'c-1' });
  });
});
