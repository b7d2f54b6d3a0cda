import { createHash } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { firstValueFrom, filter } from 'rxjs';
import request from 'supertest';
import { AioClockModule, AioClockRegistry } from '../../../lib';
import {
  crossSiteRequest,
  httpUnprotected,
  taskBusy,
  unknownOption,
} from '../../../lib/aioclock.messages';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';
import {
  HeaderGuard,
  HTML_NAME,
  JobsModule,
  JobsTasks,
  ODD_NAME,
} from '../../src/http/http.fixtures';

const ADMIN = { 'x-admin': 'yes' };

describe('AioClockHttpModule', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(
    http = AioClockHttpModule.register({ guards: [HeaderGuard] }),
  ) {
    const created = await createHttpApp({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), JobsModule, http],
    });
    app = created.app;
    return {
      ...created,
      http: request(created.app.getHttpServer()),
      registry: app.get(AioClockRegistry),
      tasks: app.get(JobsTasks),
    };
  }

  it('should mount nothing when only forRoot is imported', async () => {
    const created = await createHttpApp({
      imports: [AioClockModule.forRoot(), JobsModule],
    });
    app = created.app;
    await request(app.getHttpServer()).get('/aioclock/tasks').expect(404);
    await request(app.getHttpServer()).get('/aioclock').expect(404);
  });

  it('should list every task as JSON with dates as ISO strings', async () => {
    const { http, registry } = await start();
    const res = await http
      .get('/aioclock/tasks')
      .set(ADMIN)
      .expect(200)
      .expect('content-type', /json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(registry.getTasks())));
    const ok = res.body.find((t: { name: string }) => t.name === 'jobs.ok');
    expect(ok).toMatchObject({
      group: 'jobs',
      trigger: { type: 'every', seconds: 5 },
      nextRunAt: '2024-03-29T10:00:05.000Z',
      runs: 0,
    });
  });

  it('should find a task by its URL-decoded name, matched exactly', async () => {
    const { http } = await start();
    const res = await http
      .get(`/aioclock/tasks/${encodeURIComponent(ODD_NAME)}`)
      .set(ADMIN)
      .expect(200);
    expect(res.body.name).toBe(ODD_NAME);
    const html = await http
      .get(`/aioclock/tasks/${encodeURIComponent(HTML_NAME)}`)
      .set(ADMIN)
      .expect(200);
    expect(html.body.name).toBe(HTML_NAME);
    for (const near of [
      'jobs.OK',
      'jobs.ok ',
      'jobs',
      'odd name',
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
    ]) {
      const miss = await http
        .get(`/aioclock/tasks/${encodeURIComponent(near)}`)
        .set(ADMIN)
        .expect(404);
      expect(miss.body.message).toBe(`No task named "${near}" is registered`);
    }
  });

  it('should run a task now and answer 200 with its result', async () => {
    const { http, registry, tasks } = await start();
    const res = await http
      .post('/aioclock/tasks/jobs.ok/run')
      .set(ADMIN)
      .expect(200);
    expect(res.body).toEqual({
      name: 'jobs.ok',
      result: { answer: 42, name: 'jobs.ok' },
    });
    expect(tasks.okRuns).toBe(1);
    expect(registry.getTask('jobs.ok').runs).toBe(1);
    const odd = await http
      .post(`/aioclock/tasks/${encodeURIComponent(ODD_NAME)}/run`)
      .set(ADMIN)
      .expect(200);
    expect(odd.body).toEqual({ name: ODD_NAME, result: 'odd' });
  });

  it('should answer 404 for an unknown task on every route, running nothing', async () => {
    const { http, registry } = await start();
    for (const action of ['run', 'pause', 'resume']) {
      const res = await http
        .post(`/aioclock/tasks/${encodeURIComponent('JobsTasks.ok')}/${action}`)
        .set(ADMIN)
        .expect(404);
      expect(res.body.message).toBe(
        'No task named "JobsTasks.ok" is registered',
      );
    }
    expect(registry.getTasks().reduce((sum, t) => sum + t.runs, 0)).toBe(0);
  });

  it("should answer 409 when the task is running and its overlap is 'skip', and run an 'allow' task anyway", async () => {
    const { http, registry, clock, tasks } = await start();
    await clock.advance(60_000);
    expect(registry.getTask('jobs.slow').running).toBe(true);
    expect(registry.getTask('jobs.allow').running).toBe(true);

    const busy = await http
      .post('/aioclock/tasks/jobs.slow/run')
      .set(ADMIN)
      .expect(409);
    expect(busy.body.message).toBe(taskBusy('jobs.slow', 'skip'));
    expect(registry.getTask('jobs.slow').skipped).toBe(1);

    // 'allow' overlaps: the second run starts while the first is still blocked.
    const secondStart = firstValueFrom(
      registry.events$.pipe(
        filter((e) => e.type === 'started' && e.name === 'jobs.allow'),
      ),
    );
    const allowed = http
      .post('/aioclock/tasks/jobs.allow/run')
      .set(ADMIN)
      .then((r) => r);
    await secondStart;
    tasks.slowGate.open();
    const res = await allowed;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'jobs.allow', result: 'allowed' });
  });

  it("should answer 500 with the error's message when the task throws, and log it", async () => {
    const { http, registry, logger } = await start();
    const res = await http
      .post('/aioclock/tasks/jobs.fail/run')
      .set(ADMIN)
      .expect(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'disk full',
      name: 'jobs.fail',
    });
    expect(registry.getTask('jobs.fail')).toMatchObject({
      runs: 1,
      failures: 1,
    });
    const logged = logger.aioclock('error').map((e) => e.message);
    expect(
      logged.some((m) => m.includes('jobs.fail') && m.includes('disk full')),
    ).toBe(true);
  });

  it('should pause and resume a task', async () => {
    const { http, registry, clock, tasks } = await start();
    const paused = await http
      .post('/aioclock/tasks/jobs.ok/pause')
      .set(ADMIN)
      .expect(200);
    expect(paused.body).toMatchObject({
      name: 'jobs.ok',
      paused: true,
      nextRunAt: null,
    });
    await clock.advance(10_000);
    expect(tasks.okRuns).toBe(0);
    expect(
      (await http.get('/aioclock/tasks/jobs.ok').set(ADMIN).expect(200)).body
        .paused,
    ).toBe(true);

    const resumed = await http
      .post('/aioclock/tasks/jobs.ok/resume')
      .set(ADMIN)
      .expect(200);
    expect(resumed.body).toMatchObject({ name: 'jobs.ok', paused: false });
    await clock.advance(5_000);
    expect(tasks.okRuns).toBe(1);
    expect(registry.getTask('jobs.ok').paused).toBe(false);
  });

  it('should answer 403 on every route, the dashboard included, when the guard rejects', async () => {
    const { http, tasks, registry } = await start();
    await http.get('/aioclock').expect(403);
    await http.get('/aioclock/overview').expect(403);
    await http.get('/aioclock/tasks').expect(403);
    await http.get('/aioclock/tasks/jobs.ok').set('x-admin', 'no').expect(403);
    await http.post('/aioclock/tasks/jobs.ok/run').expect(403);
    await http.post('/aioclock/tasks/jobs.ok/pause').expect(403);
    await http.post('/aioclock/tasks/jobs.ok/resume').expect(403);
    expect(tasks.okRuns).toBe(0);
    expect(registry.getTask('jobs.ok').paused).toBe(false);
  });

  it('should warn at startup when no guards are given, and only then', async () => {
    const open = await start(AioClockHttpModule.register());
    expect(open.logger.aioclock('warn').map((e) => e.message)).toEqual([
      httpUnprotected('aioclock'),
    ]);
    await open.http.get('/aioclock/tasks').expect(200);
    await app!.close();

    const guarded = await start(
      AioClockHttpModule.register({ guards: [new HeaderGuard()] }),
    );
    expect(guarded.logger.aioclock('warn')).toEqual([]);
    await guarded.http.get('/aioclock/tasks').expect(403);
  });

  it('should mount under a custom path', async () => {
    const { http } = await start(
      AioClockHttpModule.register({
        path: '/ops//clock/',
        guards: [HeaderGuard],
      }),
    );
    await http.get('/ops/clock/tasks/jobs.ok').set(ADMIN).expect(200);
    await http
      .get('/ops/clock')
      .set(ADMIN)
      .expect(200)
      .expect('content-type', /html/);
    await http.get('/aioclock/tasks').set(ADMIN).expect(404);
  });

  it('should refuse state changes a browser sends from another site', async () => {
    const { http, tasks } = await start();
    const cross = await http
      .post('/aioclock/tasks/jobs.ok/run')
      .set(ADMIN)
      .set('sec-fetch-site', 'cross-site')
      .expect(403);
    expect(cross.body.message).toBe(crossSiteRequest());
    await http
      .post('/aioclock/tasks/jobs.ok/pause')
      .set(ADMIN)
      .set('sec-fetch-site', 'same-site')
      .expect(403);
    await http
      .post('/aioclock/tasks/jobs.ok/run')
      .set(ADMIN)
      .set('origin', 'https://evil.example')
      .expect(403);
    expect(tasks.okRuns).toBe(0);
    await http
      .post('/aioclock/tasks/jobs.ok/run')
      .set(ADMIN)
      .set('sec-fetch-site', 'same-origin')
      .expect(200);
    expect(tasks.okRuns).toBe(1);
  });

  it('should serve the dashboard as a static page whose CSP allows exactly its own script and style', async () => {
    const { http } = await start();
    const res = await http
      .get('/aioclock')
      .set(ADMIN)
      .expect(200)
      .expect('content-type', 'text/html; charset=utf-8');
    const csp = res.headers['content-security-policy'];
    const script = /<script>([\s\S]*)<\/script>/.exec(res.text)![1];
    const style = /<style>([\s\S]*)<\/style>/.exec(res.text)![1];
    const hash = (text: string) =>
      `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("default-src 'none'");
    // No data is written into the page: names arrive as JSON and become text nodes.
    expect(res.text).not.toContain('jobs.ok');
    expect(script).not.toContain('innerHTML');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('should give the dashboard each task with its trigger in words, recent runs and last error', async () => {
    const { http, clock } = await start(
      AioClockHttpModule.register({ guards: [HeaderGuard], historySize: 3 }),
    );
    await clock.advance(20_000);
    await http.post('/aioclock/tasks/jobs.fail/run').set(ADMIN).expect(500);
    const res = await http.get('/aioclock/overview').set(ADMIN).expect(200);
    expect(res.body.now).toBe('2024-03-29T10:00:20.000Z');
    expect(res.body.historySize).toBe(3);
    const byName = Object.fromEntries(
      res.body.tasks.map((t: { name: string }) => [t.name, t]),
    );
    expect(byName['jobs.ok'].triggerText).toBe('every 5 s');
    expect(byName['jobs.fail'].triggerText).toBe('cron 0 9 * * 1-5');
    expect(byName[ODD_NAME].triggerText).toBe('Mon 09:00 Europe/Berlin');
    expect(byName[HTML_NAME].triggerText).toBe('every 4 s or cron 0 * * * *');
    // jobs.ok ran 4 times; the ring keeps the last 3.
    expect(byName['jobs.ok'].runs).toBe(4);
    expect(
      byName['jobs.ok'].recent.map(
        (r: { scheduledAt: string; outcome: string }) => [
          r.scheduledAt,
          r.outcome,
        ],
      ),
    ).toEqual([
      ['2024-03-29T10:00:10.000Z', 'succeeded'],
      ['2024-03-29T10:00:15.000Z', 'succeeded'],
      ['2024-03-29T10:00:20.000Z', 'succeeded'],
    ]);
    expect(byName['jobs.fail'].recent).toMatchObject([
      { outcome: 'failed', error: 'disk full' },
    ]);
    expect(byName['jobs.fail'].lastError).toEqual({
      message: 'disk full',
      at: '2024-03-29T10:00:20.000Z',
    });
    expect(byName[HTML_NAME].lastError.message).toContain('<script>');
  });

  it('should reject unknown or malformed options when registering', () => {
    expect(() =>
      AioClockHttpModule.register({ guard: [HeaderGuard] } as never),
    ).toThrow(
      unknownOption('AioClockHttpModule.register()', 'guard', [
        'path',
        'guards',
        'imports',
        'historySize',
      ]),
    );
    expect(() =>
      AioClockHttpModule.register({ guards: HeaderGuard } as never),
    ).toThrow(/invalid guards/);
    expect(() => AioClockHttpModule.register({ historySize: 0 })).toThrow(
      /invalid historySize: 0/,
    );
  });
});
