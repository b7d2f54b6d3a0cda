import {
  AioClockError,
  AioClockRegistry,
  At,
  Cron,
  Every,
  Forever,
  InvalidTriggerError,
  OnShutDown,
  OnStartUp,
  OrTrigger,
  ScheduleHandler,
  type TaskDecorator,
} from '../../lib';
import { errorOf } from '../src/error-of';
import { createTestApp } from '../src/create-app';
import { reportsApp } from '../src/schedules/schedules.fixtures';

// Arguments a decorator cannot take, and methods discovery cannot reach: each
// fails with a typed error naming `Class.method` (or the registry's task or
// schedule) and the bad value, instead of being silently accepted.

const any = <T>(value: unknown): T => value as T;

/** Applies `decorator` to method `run` of a fresh class `Tasks`. */
function decorate(decorator: MethodDecorator): void {
  class Tasks {
    run(): void {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(Tasks.prototype, 'run')!;
  Reflect.decorate([decorator], Tasks.prototype, 'run', descriptor);
}

const reservedRows: {
  title: string;
  decorator: () => TaskDecorator;
  fragments: string[];
}[] = [
  {
    title: 'Every({ type: "forever" })',
    decorator: () => Every(any({ type: 'forever' })),
    fragments: ['Every()', '"type"', '"forever"'],
  },
  {
    title: 'At({ type: "startup" })',
    decorator: () => At(any({ type: 'startup' })),
    fragments: ['At()', '"type"', '"startup"'],
  },
  {
    title: 'Cron({ cron, type: "every" })',
    decorator: () => Cron(any({ cron: '* * * * *', type: 'every' })),
    fragments: ['Cron()', '"type"', '"every"'],
  },
  {
    title: 'Forever({ type: "every", seconds: 1 })',
    decorator: () => Forever(any({ type: 'every', seconds: 1 })),
    fragments: ['Forever()', '"type"', '"every"'],
  },
  {
    title: 'OrTrigger([Every({ type: "forever", seconds: 1 })])',
    decorator: () => OrTrigger([Every(any({ type: 'forever', seconds: 1 }))]),
    fragments: ['triggers[0]: Every()', '"type"', '"forever"'],
  },
  {
    title: 'OrTrigger([...], { triggers: [] })',
    decorator: () => OrTrigger([Every({ seconds: 1 })], any({ triggers: [] })),
    fragments: ['OrTrigger()', '"triggers"'],
  },
];

const notObjectRows: {
  title: string;
  decorator: () => TaskDecorator;
  message: string;
}[] = [
  {
    title: 'Every(5000)',
    decorator: () => Every(any(5000)),
    message:
      'invalid Every() params: 5000 (expected an object of interval units like { seconds: 30 })',
  },
  {
    title: 'At(null)',
    decorator: () => At(any(null)),
    message:
      'invalid At() params: null (expected an object like { hour: 9, minute: 30 })',
  },
  {
    title: 'Forever(5)',
    decorator: () => Forever(any(5)),
    message:
      'invalid Forever() params: 5 (expected an object like { maxLoopCount: 3 })',
  },
  {
    title: 'OrTrigger([...], 3)',
    decorator: () => OrTrigger([Every({ seconds: 1 })], any(3)),
    message:
      'invalid OrTrigger() params: 3 (expected an object like { maxLoopCount: 3 })',
  },
];

describe('decorator params that are not an object', () => {
  it.each(notObjectRows)(
    'should reject $title when applied, naming the method and the value',
    ({ decorator, message }) => {
      const error = errorOf(() => decorate(decorator()));
      expect(error).toBeInstanceOf(InvalidTriggerError);
      expect(error.message).toBe(`Tasks.run: ${message}`);
    },
  );
});

describe('decorator arguments the decorator sets itself', () => {
  it.each(reservedRows)(
    'should reject $title when applied, naming the method',
    ({ decorator, fragments }) => {
      const error = errorOf(() => decorate(decorator()));
      expect(error).toBeInstanceOf(InvalidTriggerError);
      expect(error.message).toContain('Tasks.run: ');
      for (const fragment of fragments)
        expect(error.message).toContain(fragment);
    },
  );

  it('should keep the decorator’s own type in its spec', () => {
    expect(Every(any({ type: 'forever', seconds: 1 })).spec.type).toBe('every');
  });

  it('should reject such a decorator given to registry.addTask and upsertSchedule, naming the task or schedule', async () => {
    const { app } = await createTestApp(reportsApp(), '2024-03-31T08:00:00Z');
    const registry = app.get(AioClockRegistry);
    const bad = Every(any({ type: 'forever', seconds: 1 }));
    const added = errorOf(() =>
      registry.addTask({ name: 'poll', trigger: bad, run: () => undefined }),
    );
    expect(added).toBeInstanceOf(InvalidTriggerError);
    expect(added.message).toContain('poll: Every() sets "type"');
    await expect(
      registry.upsertSchedule({
        id: 'r-1',
        handler: 'reports.send',
        trigger: bad,
      }),
    ).rejects.toThrow(/schedule "r-1".*Every\(\) sets "type"/);
    expect(registry.getTasks().map((task) => task.name)).not.toContain('poll');
    await app.close();
  });
});

describe('methods discovery cannot reach', () => {
  const symbol = Symbol('tick');

  it.each([
    ['Every', Every({ seconds: 1 })],
    ['Cron', Cron('* * * * *')],
    ['ScheduleHandler', ScheduleHandler()],
  ] as const)('should reject @%s on a static method', (name, decorator) => {
    class Tasks {
      static run(): void {}
    }
    const error = errorOf(() =>
      Reflect.decorate(
        [decorator],
        Tasks,
        'run',
        Object.getOwnPropertyDescriptor(Tasks, 'run')!,
      ),
    );
    expect(error).toBeInstanceOf(AioClockError);
    expect(error.message).toBe(
      `Tasks.run: @${name} decorates instance methods with a string name only (Nest calls methods of the instances it builds, found by name)`,
    );
  });

  it.each([
    ['Every', Every({ seconds: 1 })],
    ['ScheduleHandler', ScheduleHandler()],
  ] as const)(
    'should reject @%s on a symbol-named method',
    (name, decorator) => {
      class Tasks {
        [symbol](): void {}
      }
      const error = errorOf(() =>
        Reflect.decorate(
          [decorator],
          Tasks.prototype,
          symbol,
          Object.getOwnPropertyDescriptor(Tasks.prototype, symbol)!,
        ),
      );
      expect(error).toBeInstanceOf(AioClockError);
      expect(error.message).toContain(`Tasks.Symbol(tick): @${name}`);
    },
  );
});

describe('options that act on due times, on a task that has none', () => {
  it.each([
    [
      'Forever',
      () => Forever({}, { endAt: '2024-01-01T00:00:00Z' }),
      'endAt',
      'a forever task (it loops, with no due times)',
    ],
    [
      'Forever',
      () => Forever({}, { retry: { attempts: 3 } }),
      'retry',
      'a forever task',
    ],
    [
      'OnStartUp',
      () => OnStartUp({ jitter: 5_000 }),
      'jitter',
      'a startup task (it runs once at startup)',
    ],
    [
      'OnShutDown',
      () => OnShutDown({ pauseOnFailure: 2 }),
      'pauseOnFailure',
      'a shutdown task',
    ],
  ] as const)(
    'should reject @%s with %s, naming the method and the option',
    (_name, decorator, option, kind) => {
      const error = errorOf(() => decorate(decorator()));
      expect(error).toBeInstanceOf(InvalidTriggerError);
      expect(error.message).toContain(
        `Tasks.run: option "${option}" does not apply to ${kind}`,
      );
    },
  );

  it('should reject them from registry.addTask too, and keep them on timed tasks', async () => {
    const { app } = await createTestApp(reportsApp(), '2024-03-31T08:00:00Z');
    const registry = app.get(AioClockRegistry);
    const error = errorOf(() =>
      registry.addTask({
        name: 'loop',
        trigger: Forever(),
        run: () => undefined,
        startAt: '2030-01-01',
      }),
    );
    expect(error).toBeInstanceOf(InvalidTriggerError);
    expect(error.message).toContain('loop: option "startAt" does not apply');
    expect(
      registry.addTask({
        name: 'timed',
        trigger: Every({ seconds: 1 }),
        run: () => undefined,
        startAt: '2030-01-01',
        retry: { attempts: 2 },
      }).name,
    ).toBe('timed');
    await app.close();
  });
});
