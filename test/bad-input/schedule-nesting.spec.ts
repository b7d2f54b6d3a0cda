import request from 'supertest';
import { AioClockModule, AioClockRegistry } from '../../lib';
import { jsonTooDeep, scheduleLabel } from '../../lib/aioclock.messages';
import { InvalidScheduleError } from '../../lib/errors/invalid-schedule.error';
import { AioClockHttpModule } from '../../lib/http';
import { SCHEDULE_JSON_MAX_DEPTH } from '../../lib/options/schedule.options';
import { createHttpApp } from '../src/http/create-http-app';
import { HeaderGuard } from '../src/http/http.fixtures';
import { ReportsModule } from '../src/schedules/schedules.fixtures';

// A payload or trigger nested thousands of levels deep is small as JSON (a
// few KB) but overflowed the stack of the checks: a RangeError, and 500 over
// HTTP. It is now refused as too deep, naming the schedule.

const nested = (depth: number): string =>
  '['.repeat(depth) + '1' + ']'.repeat(depth);
const nestedOr = (depth: number): string =>
  '{"type":"or","triggers":['.repeat(depth) +
  '{"type":"every","seconds":5}' +
  ']}'.repeat(depth);

describe('Schedule JSON nested too deep', () => {
  it('should be refused by upsertSchedule and with 400 over HTTP, and the deepest allowed accepted', async () => {
    const { app } = await createHttpApp(
      {
        imports: [
          AioClockModule.forRoot({ timeZone: 'UTC' }),
          ReportsModule,
          AioClockHttpModule.register({ guards: [HeaderGuard] }),
        ],
      },
      '2024-03-31T08:00:00Z',
    );
    const registry = app.get(AioClockRegistry);
    const upsert = (payload: unknown) =>
      registry.upsertSchedule({
        id: 'deep',
        handler: 'reports.send',
        trigger: { type: 'every', seconds: 5 },
        payload,
      });
    await expect(upsert(JSON.parse(nested(5_000)))).rejects.toEqual(
      new InvalidScheduleError(
        jsonTooDeep(scheduleLabel('deep'), 'payload', SCHEDULE_JSON_MAX_DEPTH),
        'payload',
        SCHEDULE_JSON_MAX_DEPTH + 1,
      ),
    );
    // The payload itself is level 1: SCHEDULE_JSON_MAX_DEPTH arrays in all.
    await expect(
      upsert(JSON.parse(nested(SCHEDULE_JSON_MAX_DEPTH))),
    ).resolves.toMatchObject({ id: 'deep' });
    await expect(
      upsert(JSON.parse(nested(SCHEDULE_JSON_MAX_DEPTH + 1))),
    ).rejects.toBeInstanceOf(InvalidScheduleError);

    const put = (id: string, json: string) =>
      request(app.getHttpServer())
        .put(`/aioclock/schedules/${id}`)
        .set({ 'x-admin': 'yes', 'content-type': 'application/json' })
        .send(json);
    const payload = await put(
      'deep-payload',
      `{"handler":"reports.send","trigger":{"type":"every","seconds":5},"payload":${nested(5_000)}}`,
    );
    expect(payload.status).toBe(400);
    expect(JSON.stringify(payload.body)).toContain('nested more than');
    const or = await put(
      'deep-or',
      `{"handler":"reports.send","trigger":${nestedOr(1_500)}}`,
    );
    expect(or.status).toBe(400);
    expect(JSON.stringify(or.body)).toContain('trigger is nested more than');
    await app.close();
  });
});
