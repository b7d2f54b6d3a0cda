import {
  AioClockRegistry,
  At,
  Every,
  InvalidScheduleError,
  InvalidTriggerError,
  MemoryScheduleStore,
  ScheduleNotFoundError,
  type UpsertScheduleOptions,
} from '../../../lib';
import { createTestApp } from '../../src/create-app';
import {
  ClashingModule,
  ReportMailer,
  reportsApp,
  ReportsModule,
} from '../../src/schedules/schedules.fixtures';
import { AioClockModule } from '../../../lib';

const START = '2024-03-31T08:00:00Z';

async function app(store?: MemoryScheduleStore) {
  const test = await createTestApp(reportsApp(store), START);
  return {
    ...test,
    registry: test.app.get(AioClockRegistry),
    mailer: test.app.get(ReportMailer),
  };
}

const report = (
  id: string,
  extra: Partial<UpsertScheduleOptions> = {},
): UpsertScheduleOptions => ({
  id,
  handler: 'reports.send',
  trigger: { type: 'at', hour: 9, tz: 'Europe/Berlin' },
  payload: { customer: id },
  ...extra,
});

describe('durable schedules (in memory)', () => {
  it('should run a schedule’s handler with its payload at each due time, in the handler’s group', async () => {
    const { app: nest, clock, registry, mailer } = await app();
    const info = await registry.upsertSchedule(
      report('c-1', {
        trigger: { type: 'at', hour: 9, tz: 'America/New_York' },
      }),
    );
    expect(info).toEqual({
      id: 'c-1',
      handler: 'reports.send',
      trigger: { type: 'at', hour: 9, tz: 'America/New_York' },
      payload: { customer: 'c-1' },
      startAt: null,
      endAt: null,
      enabled: true,
      paused: false,
      revision: 1,
      updatedAt: new Date(START),
      nextRunAt: new Date('2024-03-31T13:00:00Z'),
      lastRunAt: null,
      runs: 0,
      failures: 0,
      owner: expect.any(String),
      noHandler: false,
    });
    const withOptions = await registry.upsertSchedule(
      report('c-2', { catchUp: 'all', timeout: 5_000, overlap: 'bufferOne' }),
    );
    expect(withOptions).toMatchObject({
      catchUp: 'all',
      timeout: 5_000,
      overlap: 'bufferOne',
    });
    await registry.removeSchedule('c-2');
    await registry.upsertSchedule({
      id: 'r-1',
      handler: 'ReportHandlers.remind',
      trigger: At({ hour: 10 }),
      payload: ['a', 1],
    });
    await clock.advance(2 * 86_400_000);
    expect(mailer.sent).toEqual([
      {
        handler: 'ReportHandlers.remind',
        task: 'schedule:r-1',
        payload: ['a', 1],
        scheduledAt: '2024-03-31T10:00:00.000Z',
        group: 'ReportsModule',
      },
      expect.objectContaining({
        handler: 'reports.send',
        payload: { customer: 'c-1' },
        scheduledAt: '2024-03-31T13:00:00.000Z',
      }),
      expect.objectContaining({
        task: 'schedule:r-1',
        scheduledAt: '2024-04-01T10:00:00.000Z',
      }),
      expect.objectContaining({
        task: 'schedule:c-1',
        scheduledAt: '2024-04-01T13:00:00.000Z',
      }),
    ]);
    expect(await registry.getSchedule('c-1')).toMatchObject({
      runs: 2,
      lastRunAt: new Date('2024-04-01T13:00:00Z'),
      nextRunAt: new Date('2024-04-02T13:00:00Z'),
    });
    // Schedules are listed by listSchedules, not among the tasks; their runs are in the history.
    expect(registry.getTasks()).toEqual([]);
    const history = await registry.getHistory('schedule:c-1');
    expect(
      history.map((r) => [r.outcome, r.scheduledAt.toISOString()]),
    ).toEqual([
      ['succeeded', '2024-04-01T13:00:00.000Z'],
      ['succeeded', '2024-03-31T13:00:00.000Z'],
    ]);
    await nest.close();
  });

  it('should keep one schedule and its next due time when the same content is upserted again', async () => {
    const { app: nest, clock, registry, mailer } = await app();
    await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', hours: 1 } }),
    );
    await clock.advance(30 * 60_000);
    const again = await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', hours: 1 } }),
    );
    expect(again).toMatchObject({
      revision: 1,
      nextRunAt: new Date('2024-03-31T09:00:00Z'),
    });
    const both = await Promise.all([
      registry.upsertSchedule(report('c-2')),
      registry.upsertSchedule(report('c-2')),
    ]);
    expect(both.map((s) => s.revision)).toEqual([1, 1]);
    expect((await registry.listSchedules()).items.map((s) => s.id)).toEqual([
      'c-1',
      'c-2',
    ]);
    await clock.advance(30 * 60_000);
    expect(mailer.sent.map((r) => r.task)).toEqual(['schedule:c-1']);
    await nest.close();
  });

  it('should apply a changed trigger from now', async () => {
    const { app: nest, clock, registry, mailer } = await app();
    await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', hours: 1 } }),
    );
    await clock.advance(90 * 60_000); // 09:30, one run at 09:00
    const changed = await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 20 } }),
    );
    expect(changed).toMatchObject({
      revision: 2,
      nextRunAt: new Date('2024-03-31T09:50:00Z'),
    });
    await clock.advance(60 * 60_000);
    expect(mailer.sent.map((r) => r.scheduledAt)).toEqual([
      '2024-03-31T09:00:00.000Z',
      '2024-03-31T09:50:00.000Z',
      '2024-03-31T10:10:00.000Z',
      '2024-03-31T10:30:00.000Z',
    ]);
    const payload = await registry.upsertSchedule(
      report('c-1', {
        trigger: { type: 'every', minutes: 20 },
        payload: { customer: 'renamed' },
      }),
    );
    expect(payload.revision).toBe(3);
    await clock.advance(20 * 60_000);
    expect(mailer.sent[mailer.sent.length - 1].payload).toEqual({
      customer: 'renamed',
    });
    await nest.close();
  });

  it('should pause and resume a schedule, and stop it for good when removed', async () => {
    const { app: nest, clock, registry, mailer } = await app();
    await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 10 } }),
    );
    await clock.advance(10 * 60_000);
    expect(mailer.sent).toHaveLength(1);
    expect(await registry.pauseSchedule('c-1')).toMatchObject({
      paused: true,
      nextRunAt: null,
    });
    await clock.advance(60 * 60_000);
    expect(mailer.sent).toHaveLength(1);
    // A paused schedule stays paused when its content changes.
    await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 5 } }),
    );
    await clock.advance(10 * 60_000);
    expect(mailer.sent).toHaveLength(1);
    expect(await registry.resumeSchedule('c-1')).toMatchObject({
      paused: false,
    });
    await clock.advance(10 * 60_000);
    expect(mailer.sent).toHaveLength(3);
    expect(await registry.removeSchedule('c-1')).toBe(true);
    expect(await registry.removeSchedule('c-1')).toBe(false);
    expect(await registry.getSchedule('c-1')).toBeNull();
    await clock.advance(60 * 60_000);
    expect(mailer.sent).toHaveLength(3);
    await expect(registry.pauseSchedule('c-1')).rejects.toThrow(
      ScheduleNotFoundError,
    );
    await expect(registry.pauseSchedule('c-1')).rejects.toThrow(
      'No schedule with id "c-1"',
    );
    await nest.close();
  });

  it('should apply the options a trigger decorator carries as the same fields beside it would, those winning, and refuse its name', async () => {
    const { app: nest, registry, mailer, clock } = await app();
    const quiet = await registry.upsertSchedule({
      id: 'quiet',
      handler: 'reports.send',
      trigger: Every({ seconds: 5 }, { enabled: false, timeout: 1_000 }),
    });
    expect(quiet).toMatchObject({ enabled: false, timeout: 1_000 });
    const ended = await registry.upsertSchedule({
      id: 'ended',
      handler: 'reports.send',
      trigger: Every({ seconds: 5 }, { endAt: '2000-01-01T00:00:00Z' }),
    });
    expect(ended.endAt).toBe('2000-01-01T00:00:00.000Z');
    const loud = await registry.upsertSchedule({
      id: 'loud',
      handler: 'reports.send',
      trigger: Every({ seconds: 5 }, { enabled: false }),
      enabled: true,
    });
    expect(loud.enabled).toBe(true);
    await clock.advance(20_000);
    expect(new Set(mailer.sent.map((sent) => sent.task))).toEqual(
      new Set(['schedule:loud']),
    );
    await expect(
      registry.upsertSchedule({
        id: 'named',
        handler: 'reports.send',
        trigger: Every({ seconds: 5 }, { name: 'x' }),
      }),
    ).rejects.toThrow(
      new InvalidScheduleError(
        'schedule "named": the trigger\'s name option ("x") does not apply to a schedule (its task is named after the id)',
      ),
    );
    await nest.close();
  });

  it('should run a schedule now with its payload', async () => {
    const { app: nest, registry, mailer } = await app();
    await registry.upsertSchedule(report('c-1'));
    await expect(registry.runSchedule('c-1')).resolves.toBeUndefined();
    expect(mailer.sent).toEqual([
      expect.objectContaining({
        payload: { customer: 'c-1' },
        scheduledAt: '2024-03-31T08:00:00.000Z',
      }),
    ]);
    await expect(registry.runSchedule('nope')).rejects.toThrow(
      ScheduleNotFoundError,
    );
    await nest.close();
  });

  it('should hand each run a frozen payload, so one run cannot change the next', async () => {
    const { app: nest, clock, registry } = await app();
    const mailer = nest.get(ReportMailer);
    const errors: unknown[] = [];
    mailer.send = (run) => {
      try {
        (run.payload as { customer: string }).customer = 'changed';
      } catch (error) {
        errors.push(error);
      }
    };
    await registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 1 } }),
    );
    await clock.advance(2 * 60_000);
    expect(errors).toHaveLength(2);
    expect((await registry.getSchedule('c-1'))!.payload).toEqual({
      customer: 'c-1',
    });
    await nest.close();
  });

  it('should list schedules by id in pages, by handler', async () => {
    const { app: nest, registry } = await app();
    for (const id of ['d', 'a', 'c', 'b', 'e'])
      await registry.upsertSchedule(
        id === 'c'
          ? {
              id,
              handler: 'ReportHandlers.remind',
              trigger: { type: 'at', hour: 10 },
            }
          : report(id),
      );
    const first = await registry.listSchedules({ limit: 2 });
    expect(first.items.map((s) => s.id)).toEqual(['a', 'b']);
    const second = await registry.listSchedules({
      limit: 2,
      cursor: first.cursor,
    });
    expect(second.items.map((s) => s.id)).toEqual(['c', 'd']);
    const last = await registry.listSchedules({
      limit: 2,
      cursor: second.cursor,
    });
    expect(last).toMatchObject({ items: [{ id: 'e' }], cursor: null });
    const reports = await registry.listSchedules({ handler: 'reports.send' });
    expect(reports.items.map((s) => s.id)).toEqual(['a', 'b', 'd', 'e']);
    await expect(registry.listSchedules({ limit: 0 })).rejects.toThrow(
      new InvalidScheduleError(
        'invalid limit: 0 (expected an integer from 1 to 1000)',
      ),
    );
    await nest.close();
  });

  it.each<[string, unknown, RegExp | string, new (...args: never[]) => Error]>([
    [
      'an id over 200 characters',
      report('x'.repeat(201)),
      /^invalid schedule id: "x{201}" \(expected a string of 1–200 characters without control characters\)$/,
      InvalidScheduleError,
    ],
    [
      'an empty id',
      report(''),
      'invalid schedule id: "" (expected a string of 1–200 characters without control characters)',
      InvalidScheduleError,
    ],
    [
      'an id with a control character',
      report('a\nb'),
      'invalid schedule id: "a\\nb" (expected a string of 1–200 characters without control characters)',
      InvalidScheduleError,
    ],
    [
      'an unknown field',
      { ...report('c-1'), colour: 'red' },
      /^schedule "c-1": unknown option "colour"/,
      InvalidScheduleError,
    ],
    [
      'a name (the id is the name)',
      { ...report('c-1'), name: 'x' },
      /^schedule "c-1": unknown option "name"/,
      InvalidScheduleError,
    ],
    [
      'a once trigger',
      report('c-1', { trigger: { type: 'once' } }),
      'schedule "c-1": invalid trigger type: "once" (expected every, at, cron or or; once, forever, startup and shutdown have no place in a durable schedule)',
      InvalidScheduleError,
    ],
    [
      'a forever trigger',
      report('c-1', { trigger: { type: 'forever' } }),
      /^schedule "c-1": invalid trigger type: "forever"/,
      InvalidScheduleError,
    ],
    [
      'a startup trigger',
      report('c-1', { trigger: { type: 'startup' } }),
      /^schedule "c-1": invalid trigger type: "startup"/,
      InvalidScheduleError,
    ],
    [
      'an or with a once member',
      report('c-1', {
        trigger: {
          type: 'or',
          triggers: [{ type: 'every', minutes: 1 }, { type: 'once' }],
        },
      }),
      /^schedule "c-1": invalid trigger type: "once"/,
      InvalidScheduleError,
    ],
    [
      'a bad trigger parameter',
      report('c-1', { trigger: { type: 'at', hour: 24 } }),
      'schedule "c-1": invalid hour: 24 (expected an integer 0–23)',
      InvalidTriggerError,
    ],
    [
      'a bad zone',
      report('c-1', { trigger: { type: 'at', hour: 9, tz: 'Mars/Olympus' } }),
      /^schedule "c-1": .*Mars\/Olympus/,
      InvalidTriggerError,
    ],
    [
      'a payload over 64 KiB',
      report('c-1', { payload: 'x'.repeat(65_536) }),
      'schedule "c-1": payload is 65538 bytes as JSON (expected at most 65536)',
      InvalidScheduleError,
    ],
    [
      'a Date in the payload',
      report('c-1', { payload: { at: new Date(0) } }),
      /^schedule "c-1": payload is not JSON: payload\.at is /,
      InvalidScheduleError,
    ],
    [
      'NaN in the payload',
      report('c-1', { payload: [1, NaN] }),
      /^schedule "c-1": payload is not JSON: payload\[1\] is NaN/,
      InvalidScheduleError,
    ],
    [
      'a function in the payload',
      report('c-1', { payload: { f: () => 1 } }),
      /^schedule "c-1": payload is not JSON: payload\.f is /,
      InvalidScheduleError,
    ],
    [
      'a cycle in the payload',
      report('c-1', {
        payload: (() => {
          const a: Record<string, unknown> = {};
          a.self = a;
          return a;
        })(),
      }),
      /^schedule "c-1": payload is not JSON: payload\.self is /,
      InvalidScheduleError,
    ],
    [
      'a bad catchUp',
      report('c-1', { catchUp: 'some' as never }),
      /^schedule "c-1": invalid catchUp: "some"/,
      InvalidScheduleError,
    ],
    [
      'a bad option',
      report('c-1', { timeout: -5 }),
      'schedule "c-1": invalid timeout: -5 (expected a finite number of milliseconds > 0)',
      InvalidScheduleError,
    ],
    [
      'jitter not below the period',
      report('c-1', {
        trigger: { type: 'every', seconds: 10 },
        jitter: 10_000,
      }),
      /^schedule "c-1": invalid jitter: 10000/,
      InvalidTriggerError,
    ],
    [
      'endAt before startAt',
      report('c-1', {
        startAt: '2024-05-01T00:00:00Z',
        endAt: '2024-04-01T00:00:00Z',
      }),
      /^schedule "c-1": invalid endAt/,
      InvalidScheduleError,
    ],
    [
      'an unknown handler (in memory)',
      report('c-1', { handler: 'Nobody.here' }),
      'schedule "c-1": unknown handler "Nobody.here" (declared here: ReportHandlers.remind, reports.send)',
      InvalidScheduleError,
    ],
  ])(
    'should refuse %s with a typed error naming the schedule',
    async (_case, input, message, type) => {
      const { app: nest, registry } = await app();
      const upsert = registry.upsertSchedule(input as UpsertScheduleOptions);
      await expect(upsert).rejects.toThrow(type);
      await expect(
        registry.upsertSchedule(input as UpsertScheduleOptions),
      ).rejects.toThrow(message);
      expect((await registry.listSchedules()).items).toEqual([]);
      await nest.close();
    },
  );

  it('should refuse two @ScheduleHandler methods with one name at bootstrap', async () => {
    await expect(
      createTestApp({
        imports: [AioClockModule.forRoot(), ReportsModule, ClashingModule],
      }),
    ).rejects.toThrow(
      'Duplicate schedule handler name "reports.send" (ReportHandlers.send and ClashingHandlers.one); give one of them another name with @ScheduleHandler(\'...\')',
    );
  });
});

describe('durable schedules in a shared store', () => {
  it('should keep every schedule across a restart and fire it again', async () => {
    const store = new MemoryScheduleStore();
    const first = await app(store);
    await first.registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 10 } }),
    );
    await first.registry.upsertSchedule(report('c-2'));
    await first.registry.pauseSchedule('c-2');
    await first.clock.advance(10 * 60_000);
    expect(first.mailer.sent).toHaveLength(1);
    await first.app.close();

    const second = await app(store);
    expect((await second.registry.listSchedules()).items).toMatchObject([
      { id: 'c-1', paused: false, nextRunAt: new Date('2024-03-31T08:10:00Z') },
      { id: 'c-2', paused: true, nextRunAt: null },
    ]);
    await second.clock.advance(20 * 60_000);
    expect(second.mailer.sent.map((r) => r.task)).toEqual([
      'schedule:c-1',
      'schedule:c-1',
    ]);
    await second.app.close();
  });

  it('should leave one schedule with one next due time when two replicas upsert it at once', async () => {
    const store = new MemoryScheduleStore();
    const a = await app(store);
    const b = await app(store);
    const input = report('c-1', { trigger: { type: 'every', minutes: 10 } });
    const [fromA, fromB] = await Promise.all([
      a.registry.upsertSchedule(input),
      b.registry.upsertSchedule(input),
    ]);
    await a.clock.advance(0);
    await b.clock.advance(0);
    expect([fromA.revision, fromB.revision]).toEqual([1, 1]);
    const seenByA = await a.registry.getSchedule('c-1');
    const seenByB = await b.registry.getSchedule('c-1');
    expect(seenByA!.nextRunAt).toEqual(new Date('2024-03-31T08:10:00Z'));
    expect(seenByB!.nextRunAt).toEqual(seenByA!.nextRunAt);
    expect((await a.registry.listSchedules()).items).toHaveLength(1);
    await a.clock.advance(10 * 60_000);
    expect(a.mailer.sent.map((r) => r.scheduledAt)).toEqual([
      '2024-03-31T08:10:00.000Z',
    ]);
    await a.app.close();
    await b.app.close();
  });

  it('should make every replica follow a change, a pause and a removal made on another', async () => {
    const store = new MemoryScheduleStore();
    const a = await app(store);
    const b = await app(store);
    await a.registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 10 } }),
    );
    await b.clock.advance(0);
    expect(await b.registry.getSchedule('c-1')).toMatchObject({
      nextRunAt: new Date('2024-03-31T08:10:00Z'),
    });
    await b.clock.advance(10 * 60_000);
    expect(b.mailer.sent).toHaveLength(1);
    await a.registry.upsertSchedule(
      report('c-1', { trigger: { type: 'every', minutes: 30 } }),
    );
    await b.clock.advance(0);
    expect((await b.registry.getSchedule('c-1'))!.nextRunAt).toEqual(
      new Date('2024-03-31T08:40:00Z'),
    );
    await a.registry.pauseSchedule('c-1');
    await b.clock.advance(60 * 60_000);
    expect(b.mailer.sent).toHaveLength(1);
    await a.registry.resumeSchedule('c-1');
    await b.clock.advance(0);
    expect((await b.registry.getSchedule('c-1'))!.paused).toBe(false);
    await a.registry.removeSchedule('c-1');
    await b.clock.advance(24 * 3_600_000);
    expect(b.mailer.sent).toHaveLength(1);
    await a.app.close();
    await b.app.close();
  });

  it('should boot when the store cannot be read, logging it, and schedule what is stored once it can', async () => {
    const store = new MemoryScheduleStore();
    await store.upsert({
      id: 'c-1',
      handler: 'reports.send',
      trigger: { type: 'every', minutes: 1 },
      payload: null,
      options: {},
      startAt: null,
      endAt: null,
      enabled: true,
    });
    const loadAll = store.loadAll.bind(store);
    let failures = 1;
    store.loadAll = (handlers) =>
      failures-- > 0
        ? Promise.reject(new Error('store down'))
        : loadAll(handlers);
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'],
    });
    try {
      const { app: nest, clock, logger, mailer, registry } = await app(store);
      expect(logger.aioclock('error').map((e) => e.message)).toEqual([
        'Could not load the durable schedules: store down; trying again in 5000 ms',
      ]);
      expect((await registry.getSchedule('c-1'))!.nextRunAt).toBeNull();
      await jest.advanceTimersByTimeAsync(5_000);
      expect((await registry.getSchedule('c-1'))!.nextRunAt).toEqual(
        new Date('2024-03-31T08:01:00Z'),
      );
      await clock.advance(60_000);
      expect(mailer.sent).toHaveLength(1);
      await nest.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('should keep and report a schedule whose handler this replica does not declare', async () => {
    const store = new MemoryScheduleStore();
    const { app: nest, registry, logger } = await app(store);
    const info = await registry.upsertSchedule(
      report('c-1', { handler: 'Billing.invoice' }),
    );
    expect(info).toMatchObject({
      handler: 'Billing.invoice',
      noHandler: true,
      owner: null,
      nextRunAt: null,
    });
    expect(logger.aioclock('warn').map((e) => e.message)).toContain(
      'schedule "c-1": no @ScheduleHandler named "Billing.invoice" on this replica; the schedule is stored and fires on a replica that declares it',
    );
    expect(await store.get('c-1')).toMatchObject({
      handler: 'Billing.invoice',
    });
    await nest.close();
  });
});
