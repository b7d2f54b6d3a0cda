import { Injectable, Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  Every,
  ScheduleHandler,
} from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';
import { ReportsModule } from '../../src/schedules/schedules.fixtures';

// What the HTTP API answers when the request is fine but names something
// odd, or when a task fails with one of the scheduler's typed errors about
// something else: a refusal of THIS request only is a 4xx.

/** Tasks and handlers whose own code fails with a typed error about another name. */
@Injectable()
class Relay {
  constructor(private readonly registry: AioClockRegistry) {}

  @Every({ minutes: 1 }, { name: 'relay.lookup' })
  lookup(): unknown {
    return this.registry.getTask('billing.gone');
  }

  @ScheduleHandler('relay.fanout')
  fanout(): Promise<unknown> {
    return this.registry.upsertSchedule({
      id: 'derived\n',
      handler: 'relay.fanout',
      trigger: { type: 'every', minutes: 1 },
    });
  }

  @ScheduleHandler('relay.pauseOther')
  pauseOther(): Promise<unknown> {
    return this.registry.pauseSchedule('someone-else');
  }
}

@Module({ providers: [Relay] })
class RelayModule {}

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
        RelayModule,
        ReportsModule,
        AioClockHttpModule.register(),
      ],
    },
    '2024-03-31T08:00:00Z',
  );
  app = created.app;
  return request(app.getHttpServer());
}

describe('HTTP refusals', () => {
  it('should answer 500, not 404, for a task that fails looking up another task', async () => {
    const http = await start();
    const res = await http.post('/aioclock/tasks/relay.lookup/run');
    expect(res.status).toBe(500);
    expect(res.body.message).toBe('No task named "billing.gone" is registered');
  });

  it('should answer 500, not 409 or 404, for a handler failing with another schedule’s error', async () => {
    const http = await start();
    for (const [id, handler] of [
      ['s-1', 'relay.fanout'],
      ['s-2', 'relay.pauseOther'],
    ])
      await http
        .put(`/aioclock/schedules/${id}`)
        .send({ handler, trigger: { type: 'every', minutes: 5 } })
        .expect(200);
    expect((await http.post('/aioclock/schedules/s-1/run')).status).toBe(500);
    expect((await http.post('/aioclock/schedules/s-2/run')).status).toBe(500);
    // Its own refusal is still a 404.
    expect((await http.post('/aioclock/schedules/none/run')).status).toBe(404);
  });

  it('should answer 404 to task routes that would pause a durable schedule’s task behind its store', async () => {
    const http = await start();
    await http
      .put('/aioclock/schedules/c-1')
      .send({ handler: 'reports.send', trigger: { type: 'every', minutes: 1 } })
      .expect(200);
    const res = await http.post('/aioclock/tasks/schedule:c-1/pause');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(
      '"schedule:c-1" is a durable schedule\'s task: use schedules/:id/pause instead',
    );
    expect((await http.get('/aioclock/schedules/c-1')).body.paused).toBe(false);
    // Reading it stays possible, as with the registry.
    await http.get('/aioclock/tasks/schedule:c-1/history').expect(200);
  });

  it('should answer 404 for an id no schedule can have, and 400 for such a filter (PostgreSQL would refuse the NUL)', async () => {
    const http = await start();
    for (const route of ['schedules/a%00b', 'schedules/a%00b/pause'])
      expect(
        (
          await (route.endsWith('pause') ? http.post : http.get).call(
            http,
            `/aioclock/${route}`,
          )
        ).status,
      ).toBe(404);
    expect((await http.delete('/aioclock/schedules/a%00b')).status).toBe(404);
    const filter = await http.get('/aioclock/schedules?handler=a%00b');
    expect(filter.status).toBe(400);
    expect(filter.body.message).toContain('invalid handler');
  });
});

describe('AioClockHttpModule.register path', () => {
  it.each(['admin(clock)', 'my clock', ':id', 'a/*'])(
    'should refuse %j with a typed error naming the option',
    (path) => {
      expect(() => AioClockHttpModule.register({ path })).toThrow(
        AioClockError,
      );
      expect(() => AioClockHttpModule.register({ path })).toThrow(
        /AioClockHttpModule\.register\(\): invalid path: .*plain segments/,
      );
    },
  );

  it.each(['aioclock', 'ops/clock', '/ops//clock/', 'v1.2/~x_y-z'])(
    'should take %j',
    (path) => {
      expect(() => AioClockHttpModule.register({ path })).not.toThrow();
    },
  );
});
