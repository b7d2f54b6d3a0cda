import {
  AioClockError,
  AioClockRegistry,
  Every,
  InvalidScheduleError,
  InvalidTriggerError,
  OnStartUp,
  Once,
  TaskNotFoundError,
} from '../../lib';
import { errorOf } from '../src/error-of';
import { createTestApp, type TestApp } from '../src/create-app';
import { reportsApp } from '../src/schedules/schedules.fixtures';

// Registry calls given what their types forbid (plain JavaScript callers, a
// value from a request): each gets a typed error at the call, naming the
// bad value, as a rejection for the calls that return a promise, never a
// TypeError from deep inside.

const any = <T>(value: unknown): T => value as T;

let test: TestApp;
let registry: AioClockRegistry;

beforeEach(async () => {
  test = await createTestApp(reportsApp(), '2024-03-31T08:00:00Z');
  registry = test.app.get(AioClockRegistry);
});

afterEach(async () => {
  await test.app.close();
});

describe('registry names that are not strings', () => {
  const names: [string, unknown, string][] = [
    ['a Symbol', Symbol('job'), 'Symbol(job)'],
    ['a null-prototype object', Object.create(null), '{}'],
    [
      'an object whose toString throws',
      {
        toString(): string {
          throw new Error('nope');
        },
      },
      '{}',
    ],
  ];

  it.each(names)(
    'should throw TaskNotFoundError from getTask(%s), naming it',
    (_title, name, shown) => {
      const error = errorOf(() => registry.getTask(any(name)));
      expect(error).toBeInstanceOf(TaskNotFoundError);
      expect(error.message).toBe(`No task named ${shown} is registered`);
    },
  );

  it.each(names)(
    'should reject runTask(%s) with TaskNotFoundError, not throw',
    async (_title, name) => {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = registry.runTask(any(name)))).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(TaskNotFoundError);
    },
  );

  it.each(names)(
    'should throw AioClockError from pauseGroup(%s), naming it',
    (_title, name, shown) => {
      const error = errorOf(() => registry.pauseGroup(any(name)));
      expect(error).toBeInstanceOf(AioClockError);
      expect(error.message).toBe(`No group named ${shown} is registered`);
    },
  );
});

describe('registry queries', () => {
  it('should reject getHistory with a null query or an unknown key, naming the call', async () => {
    await expect(
      registry.getHistory('reports.Tick.tick', any(null)),
    ).rejects.toThrow(
      new AioClockError(
        'getHistory("reports.Tick.tick"): invalid options: null (expected an object)',
      ),
    );
    await expect(
      registry.getHistory('reports.Tick.tick', any({ limt: 5 })),
    ).rejects.toThrow(
      /^getHistory\("reports\.Tick\.tick"\): unknown option "limt" \(allowed: limit\)$/,
    );
  });

  it('should reject listSchedules with a null query, an unknown key or a bad field', async () => {
    await expect(registry.listSchedules(any(null))).rejects.toBeInstanceOf(
      InvalidScheduleError,
    );
    await expect(registry.listSchedules(any({ limt: 5 }))).rejects.toThrow(
      'listSchedules: unknown option "limt" (allowed: handler, cursor, limit)',
    );
    await expect(
      registry.listSchedules(any({ handler: ['a', 'b'] })),
    ).rejects.toThrow('listSchedules: invalid handler: ["a","b"]');
    await expect(registry.listSchedules({ limit: 0 })).rejects.toThrow(
      'invalid limit: 0 (expected an integer from 1 to 1000)',
    );
  });
});

describe('upsertSchedule arguments that throw when read', () => {
  it.each([
    [
      'a payload getter',
      {
        get x(): number {
          throw new Error('boom');
        },
      },
      'boom',
    ],
    [
      'a Proxy payload',
      new Proxy(
        {},
        {
          ownKeys(): never {
            throw new Error('trap');
          },
        },
      ),
      'trap',
    ],
  ])(
    'should reject %s with InvalidScheduleError naming the schedule',
    async (_title, payload, cause) => {
      const upsert = registry.upsertSchedule({
        id: 'p-1',
        handler: 'reports.send',
        trigger: Every({ seconds: 1 }),
        payload,
      });
      await expect(upsert).rejects.toBeInstanceOf(InvalidScheduleError);
      await expect(upsert).rejects.toThrow(
        `schedule "p-1": could not be read: ${cause}`,
      );
      expect(await registry.getSchedule('p-1')).toBeNull();
    },
  );

  it('should reject an id with an unpaired surrogate (stores would merge it with others)', async () => {
    for (const id of ['\uD800', 'a\uDC00b'])
      await expect(
        registry.upsertSchedule({
          id,
          handler: 'reports.send',
          trigger: Every({ seconds: 1 }),
        }),
      ).rejects.toThrow(
        /^invalid schedule id: .*an unpaired surrogate is stored as U\+FFFD/,
      );
    await expect(
      registry.upsertSchedule({
        id: 'ok-\uD83D\uDE00',
        handler: 'reports.send',
        trigger: Every({ seconds: 1 }),
      }),
    ).resolves.toMatchObject({ id: 'ok-\uD83D\uDE00' });
  });
});

describe('registry.addTask of a lifecycle task too late', () => {
  it('should refuse a startup trigger after bootstrap, naming the task, and point to Once()', async () => {
    let runs = 0;
    const error = errorOf(() =>
      registry.addTask({
        name: 'late.startup',
        trigger: OnStartUp(),
        run: () => void runs++,
      }),
    );
    expect(error).toBeInstanceOf(InvalidTriggerError);
    expect(error.message).toBe(
      'late.startup: a startup trigger added after the scheduler started would never run (startup tasks run once, before the others); use Once() to run it now',
    );
    expect(() => registry.getTask('late.startup')).toThrow(TaskNotFoundError);
    registry.addTask({
      name: 'late.once',
      trigger: Once(),
      run: () => void runs++,
    });
    await test.clock.advance(1_000);
    expect(runs).toBe(1);
  });
});

describe('what the contract counts as valid', () => {
  it('should count a schedule id in characters: 200 emoji fit, 201 do not', async () => {
    const emoji = '\u{1F600}';
    await expect(
      registry.upsertSchedule({
        id: emoji.repeat(200),
        handler: 'reports.send',
        trigger: Every({ seconds: 1 }),
      }),
    ).resolves.toMatchObject({ id: emoji.repeat(200) });
    await expect(
      registry.upsertSchedule({
        id: emoji.repeat(201),
        handler: 'reports.send',
        trigger: Every({ seconds: 1 }),
      }),
    ).rejects.toThrow(/^invalid schedule id: .*1–200 characters/);
  });

  it('should take ISO 8601 instants with up to nine fraction digits, kept to the ms', async () => {
    const info = await registry.upsertSchedule({
      id: 'iso',
      handler: 'reports.send',
      trigger: Every({ seconds: 1 }),
      startAt: '2030-01-01T00:00:00.123456Z',
      endAt: '2030-01-01T01:00:00.123456789+01:00',
    });
    expect(info.startAt).toBe('2030-01-01T00:00:00.123Z');
    expect(info.endAt).toBe('2030-01-01T00:00:00.123Z');
    await expect(
      registry.upsertSchedule({
        id: 'iso-bad',
        handler: 'reports.send',
        trigger: Every({ seconds: 1 }),
        startAt: '2030-01-01T00:00:00.1234567890Z',
      }),
    ).rejects.toThrow(/startAt/);
  });
});
