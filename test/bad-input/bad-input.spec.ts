import {
  Injectable,
  Module,
  type DynamicModule,
  type Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AioClockError,
  AioClockModule,
  At,
  Clock,
  Cron,
  Every,
  Forever,
  InvalidTriggerError,
  OnShutDown,
  OnStartUp,
  Once,
  OrTrigger,
  VirtualClock,
} from '../../lib';
import {
  duplicateTaskName,
  twoTriggerDecorators,
} from '../../lib/aioclock.messages';
import { CaptureLogger } from '../src/capture-logger';

// A wall of bad input. Each row must fail with a typed error (InvalidTriggerError
// or AioClockError) whose message names its owner (`Class.method`, or the
// module / option owner) and the bad value; none is silently accepted, and an
// app whose init failed never fires anything nor leaves a timer.

const any = <T>(value: unknown): T => value as T;

/** Applies the decorators to method `run` of a fresh class `BadTasks`, as TypeScript does (bottom-up). */
const decorating =
  (...decorators: MethodDecorator[]) =>
  (): void => {
    class BadTasks {
      run(): void {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(
      BadTasks.prototype,
      'run',
    )!;
    Reflect.decorate(decorators, BadTasks.prototype, 'run', descriptor);
  };

interface DecorationRow {
  title: string;
  act: () => unknown;
  type: typeof AioClockError;
  /** Fragments the message must contain: the owner and the bad value as the user wrote it. */
  names: string[];
}

const T = 'BadTasks.run';

const decorationRows: DecorationRow[] = [
  // @Every
  {
    title: 'Every: negative seconds',
    act: decorating(Every({ seconds: -1 })),
    type: InvalidTriggerError,
    names: [T, 'seconds', '-1'],
  },
  {
    title: 'Every: NaN seconds',
    act: decorating(Every({ seconds: NaN })),
    type: InvalidTriggerError,
    names: [T, 'seconds', 'NaN'],
  },
  {
    title: 'Every: Infinity minutes',
    act: decorating(Every({ minutes: Infinity })),
    type: InvalidTriggerError,
    names: [T, 'minutes', 'Infinity'],
  },
  {
    title: 'Every: a string for a number',
    act: decorating(Every({ seconds: any('5') })),
    type: InvalidTriggerError,
    names: [T, 'seconds', '"5"'],
  },
  {
    title: 'Every: an unknown unit',
    act: decorating(Every(any({ secs: 5 }))),
    type: InvalidTriggerError,
    names: [T, '"secs"'],
  },
  {
    title: 'Every: no unit at all',
    act: decorating(Every({})),
    type: InvalidTriggerError,
    names: [T, 'interval', 'seconds'],
  },
  {
    title: 'Every: a zero interval',
    act: decorating(Every({ seconds: 0, minutes: 0 })),
    type: InvalidTriggerError,
    names: [T, 'interval', '0 ms'],
  },
  {
    title: 'Every: a fraction of a millisecond',
    act: decorating(Every({ seconds: 0.0001 })),
    type: InvalidTriggerError,
    names: [T, 'interval', '0.1 ms'],
  },
  {
    title: 'Every: an unknown firstRunStrategy',
    act: decorating(Every({ seconds: 1, firstRunStrategy: any('later') })),
    type: InvalidTriggerError,
    names: [T, 'firstRunStrategy', '"later"'],
  },
  {
    title: 'Every: maxLoopCount 0',
    act: decorating(Every({ seconds: 1, maxLoopCount: 0 })),
    type: InvalidTriggerError,
    names: [T, 'maxLoopCount', '0'],
  },
  {
    title: 'Every: maxLoopCount 1.5',
    act: decorating(Every({ seconds: 1, maxLoopCount: 1.5 })),
    type: InvalidTriggerError,
    names: [T, 'maxLoopCount', '1.5'],
  },
  {
    title: 'Every: an interval too long for exact ms',
    act: decorating(Every({ weeks: 1e12 })),
    type: InvalidTriggerError,
    names: [T, 'interval', '604800000000000000000 ms'],
  },
  {
    title: 'Every: on a property, not a method',
    act: () =>
      Every({ seconds: 1 })(
        class BadTasks {}.prototype,
        'run',
        any<PropertyDescriptor>(undefined),
      ),
    type: AioClockError,
    names: [T, '@Every', 'methods only'],
  },
  {
    title: 'Every: null params',
    act: decorating(Every(any(null))),
    type: InvalidTriggerError,
    names: [T, 'interval'],
  },
  // @At
  {
    title: 'At: hour 24',
    act: decorating(At({ hour: 24 })),
    type: InvalidTriggerError,
    names: [T, 'hour', '24'],
  },
  {
    title: 'At: second 60',
    act: decorating(At({ second: 60 })),
    type: InvalidTriggerError,
    names: [T, 'second', '60'],
  },
  {
    title: 'At: minute -1',
    act: decorating(At({ minute: -1 })),
    type: InvalidTriggerError,
    names: [T, 'minute', '-1'],
  },
  {
    title: 'At: hour 1.5',
    act: decorating(At({ hour: 1.5 })),
    type: InvalidTriggerError,
    names: [T, 'hour', '1.5'],
  },
  {
    title: 'At: hour as a string',
    act: decorating(At({ hour: any('9') })),
    type: InvalidTriggerError,
    names: [T, 'hour', '"9"'],
  },
  {
    title: "At: 'every funday'",
    act: decorating(At({ at: any('every funday') })),
    type: InvalidTriggerError,
    names: [T, 'at', '"every funday"'],
  },
  {
    title: 'At: an unknown zone',
    act: decorating(At({ hour: 9, tz: 'Mars/Olympus_Mons' })),
    type: InvalidTriggerError,
    names: [T, 'tz', '"Mars/Olympus_Mons"'],
  },
  {
    title: 'At: an empty zone',
    act: decorating(At({ hour: 9, tz: '' })),
    type: InvalidTriggerError,
    names: [T, 'tz', '""'],
  },
  {
    title: 'At: an unknown key',
    act: decorating(At(any({ hours: 9 }))),
    type: InvalidTriggerError,
    names: [T, '"hours"'],
  },
  {
    title: 'At: maxLoopCount NaN',
    act: decorating(At({ hour: 9, maxLoopCount: NaN })),
    type: InvalidTriggerError,
    names: [T, 'maxLoopCount', 'NaN'],
  },
  // @Cron
  {
    title: 'Cron: 4 fields',
    act: decorating(Cron('* * * *')),
    type: InvalidTriggerError,
    names: [T, '"* * * *"', '4'],
  },
  {
    title: 'Cron: 8 fields',
    act: decorating(Cron('* * * * * * * *')),
    type: InvalidTriggerError,
    names: [T, '"* * * * * * * *"', '8'],
  },
  {
    title: 'Cron: minute 61',
    act: decorating(Cron('61 * * * *')),
    type: InvalidTriggerError,
    names: [T, '"61 * * * *"'],
  },
  {
    title: 'Cron: hour 24',
    act: decorating(Cron('0 24 * * *')),
    type: InvalidTriggerError,
    names: [T, '"0 24 * * *"'],
  },
  {
    title: 'Cron: day 32',
    act: decorating(Cron('0 0 32 * *')),
    type: InvalidTriggerError,
    names: [T, '"0 0 32 * *"'],
  },
  {
    title: 'Cron: month 13',
    act: decorating(Cron('0 0 1 13 *')),
    type: InvalidTriggerError,
    names: [T, '"0 0 1 13 *"'],
  },
  {
    title: 'Cron: weekday 8',
    act: decorating(Cron('0 0 * * 8')),
    type: InvalidTriggerError,
    names: [T, '"0 0 * * 8"'],
  },
  {
    title: 'Cron: second 60 in 6 fields',
    act: decorating(Cron('60 0 0 * * *')),
    type: InvalidTriggerError,
    names: [T, '"60 0 0 * * *"'],
  },
  {
    title: 'Cron: an unknown name',
    act: decorating(Cron('0 9 * * FUNDAY')),
    type: InvalidTriggerError,
    names: [T, '"0 9 * * FUNDAY"'],
  },
  {
    title: 'Cron: an empty expression',
    act: decorating(Cron('')),
    type: InvalidTriggerError,
    names: [T, 'cron', '""'],
  },
  {
    title: 'Cron: an unknown zone',
    act: decorating(Cron({ cron: '0 9 * * *', tz: 'Nowhere/City' })),
    type: InvalidTriggerError,
    names: [T, 'tz', '"Nowhere/City"'],
  },
  {
    title: 'Cron: an unknown key',
    act: decorating(Cron(any({ cron: '0 9 * * *', timezone: 'UTC' }))),
    type: InvalidTriggerError,
    names: [T, '"timezone"'],
  },
  {
    title: 'Cron: neither a string nor { cron }',
    act: decorating(Cron(any(42))),
    type: InvalidTriggerError,
    names: [T, '42'],
  },
  // @OrTrigger
  {
    title: 'OrTrigger: empty',
    act: decorating(OrTrigger([])),
    type: InvalidTriggerError,
    names: [T, 'triggers', '[]'],
  },
  {
    title: 'OrTrigger: not an array',
    act: decorating(OrTrigger(any('every day'))),
    type: InvalidTriggerError,
    names: [T, 'triggers', '"every day"'],
  },
  {
    title: 'OrTrigger: an invalid member',
    act: decorating(OrTrigger([Every({ seconds: 5 }), At({ hour: 24 })])),
    type: InvalidTriggerError,
    names: [T, 'triggers[1]', 'hour', '24'],
  },
  {
    title: 'OrTrigger: a nested invalid member',
    act: decorating(OrTrigger([OrTrigger([Cron('* * * *')])])),
    type: InvalidTriggerError,
    names: [T, 'triggers[0]', '"* * * *"'],
  },
  {
    title: 'OrTrigger: a nested empty or',
    act: decorating(OrTrigger([Every({ seconds: 1 }), OrTrigger([])])),
    type: InvalidTriggerError,
    names: [T, 'triggers[1]', '[]'],
  },
  {
    title: 'OrTrigger: a member that is not a decorator',
    act: decorating(OrTrigger([Every({ seconds: 1 }), any('0 9 * * *')])),
    type: InvalidTriggerError,
    names: [T, 'triggers[1]', '"0 9 * * *"'],
  },
  {
    title: 'OrTrigger: a @Forever member',
    act: decorating(OrTrigger([Forever()])),
    type: InvalidTriggerError,
    names: [T, 'triggers[0]', 'forever'],
  },
  {
    title: 'OrTrigger: a member with task options',
    act: decorating(OrTrigger([Every({ seconds: 1 }, { name: 'inner' })])),
    type: InvalidTriggerError,
    names: [T, 'triggers[0]', 'name'],
  },
  {
    title: 'OrTrigger: maxLoopCount 0',
    act: decorating(OrTrigger([Every({ seconds: 1 })], { maxLoopCount: 0 })),
    type: InvalidTriggerError,
    names: [T, 'maxLoopCount', '0'],
  },
  // @Forever, @Once, lifecycle
  {
    title: 'Forever: maxLoopCount 1.5',
    act: decorating(Forever({ maxLoopCount: 1.5 })),
    type: InvalidTriggerError,
    names: [T, 'maxLoopCount', '1.5'],
  },
  {
    title: 'Forever: maxLoopCount -1',
    act: decorating(Forever({ maxLoopCount: -1 })),
    type: InvalidTriggerError,
    names: [T, 'maxLoopCount', '-1'],
  },
  // Task options, the same for every decorator
  {
    title: 'options: timeout -1',
    act: decorating(Every({ seconds: 1 }, { timeout: -1 })),
    type: InvalidTriggerError,
    names: [T, 'timeout', '-1'],
  },
  {
    title: 'options: timeout NaN',
    act: decorating(Once({ timeout: NaN })),
    type: InvalidTriggerError,
    names: [T, 'timeout', 'NaN'],
  },
  {
    title: 'options: timeout as a string',
    act: decorating(Cron('0 9 * * *', { timeout: any('100') })),
    type: InvalidTriggerError,
    names: [T, 'timeout', '"100"'],
  },
  {
    title: 'options: timeout Infinity',
    act: decorating(At({ hour: 9 }, { timeout: Infinity })),
    type: InvalidTriggerError,
    names: [T, 'timeout', 'Infinity'],
  },
  {
    title: 'options: an unknown overlap',
    act: decorating(Every({ seconds: 1 }, { overlap: any('queue') })),
    type: InvalidTriggerError,
    names: [T, 'overlap', '"queue"'],
  },
  {
    title: 'options: an empty name',
    act: decorating(Every({ seconds: 1 }, { name: '' })),
    type: InvalidTriggerError,
    names: [T, 'name', '""'],
  },
  {
    title: "options: a name in the durable schedules' namespace",
    act: decorating(Every({ seconds: 1 }, { name: 'schedule:nightly' })),
    type: InvalidTriggerError,
    names: [T, 'name', '"schedule:nightly"', 'reserved for durable schedules'],
  },
  {
    title: 'options: enabled as a string',
    act: decorating(OnStartUp({ enabled: any('yes') })),
    type: InvalidTriggerError,
    names: [T, 'enabled', '"yes"'],
  },
  {
    title: 'options: an unknown option',
    act: decorating(Every({ seconds: 1 }, any({ maxLoopCount: 1 }))),
    type: InvalidTriggerError,
    names: [T, '"maxLoopCount"'],
  },
  {
    title: 'options: not an object',
    act: decorating(OnShutDown(any('fast'))),
    type: InvalidTriggerError,
    names: [T, '"fast"'],
  },
  // Two trigger decorators on one method (@Every above @Cron: Cron applies first)
  {
    title: 'two decorators on one method',
    act: decorating(Every({ seconds: 1 }), Cron('0 9 * * *')),
    type: InvalidTriggerError,
    names: [twoTriggerDecorators(T, 'Every', 'Cron')],
  },
];

// ------------------------------------------------------------- init rows

@Injectable()
class HealthyTasks {
  runs = 0;

  @Every({ seconds: 1 })
  tick(): void {
    this.runs += 1;
  }
}

@Module({ providers: [HealthyTasks] })
class HealthyModule {}

@Injectable()
class FirstReports {
  @Every({ seconds: 1 }, { name: 'reports.daily' })
  run(): void {}
}

@Injectable()
class SecondReports {
  @Cron('0 9 * * *', { name: 'reports.daily' })
  run(): void {}
}

@Module({ providers: [FirstReports, SecondReports] })
class DuplicateNamesModule {}

@Injectable()
class NamedLikeDefault {
  @Every({ seconds: 1 }, { name: 'HealthyTasks.tick' })
  other(): void {}
}

@Module({ providers: [NamedLikeDefault] })
class ClashWithDefaultModule {}

@Injectable()
class FeatureTasks {
  @Every({ seconds: 1 })
  run(): void {}
}

/** A feature module importing `forFeature(group)`. */
function featureModule(group: unknown): Type {
  @Module({
    imports: [AioClockModule.forFeature(any(group))],
    providers: [FeatureTasks],
  })
  class ReportsFeatureModule {}
  return ReportsFeatureModule;
}

@Injectable()
class LedgerTasks {
  @Every({ seconds: 5 })
  post(): void {}
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'reports', enabled: false })],
  providers: [LedgerTasks],
})
class LedgerModule {}

@Injectable()
class InvoiceTasks {
  @Every({ seconds: 5 })
  send(): void {}
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'reports', enabled: true })],
  providers: [InvoiceTasks],
})
class InvoiceModule {}

@Injectable()
class ZonedTasks {
  @At({ hour: 9 })
  morning(): void {}
}

@Module({ providers: [ZonedTasks] })
class ZonedModule {}

interface InitRow {
  title: string;
  imports: (Type | DynamicModule)[];
  type: typeof AioClockError;
  names: string[];
}

const root = (options: unknown): DynamicModule =>
  AioClockModule.forRoot(any(options));
const M = 'AioClockModule';
const F = 'AioClockModule.forFeature() in ReportsFeatureModule';

const initRows: InitRow[] = [
  {
    title: 'a duplicate task name across two providers',
    imports: [root({}), DuplicateNamesModule],
    type: InvalidTriggerError,
    names: [
      duplicateTaskName(
        'reports.daily',
        'FirstReports.run',
        'SecondReports.run',
      ),
    ],
  },
  {
    title: "a name that clashes with another task's default name",
    imports: [root({}), ClashWithDefaultModule],
    type: InvalidTriggerError,
    names: ['"HealthyTasks.tick"', 'NamedLikeDefault.other'],
  },
  {
    title: 'forRoot: an unknown timeZone',
    imports: [root({ timeZone: 'Europe/Atlantis' })],
    type: AioClockError,
    names: [M, 'timeZone', '"Europe/Atlantis"'],
  },
  {
    title: 'forRoot: shutdownTimeout -1',
    imports: [root({ shutdownTimeout: -1 })],
    type: AioClockError,
    names: [M, 'shutdownTimeout', '-1'],
  },
  {
    title: 'forRoot: shutdownTimeout NaN',
    imports: [root({ shutdownTimeout: NaN })],
    type: AioClockError,
    names: [M, 'shutdownTimeout', 'NaN'],
  },
  {
    title: 'forRoot: enabled as a string',
    imports: [root({ enabled: 'no' })],
    type: AioClockError,
    names: [M, 'enabled', '"no"'],
  },
  {
    title: 'forRoot: an unknown option',
    imports: [root({ timezone: 'UTC' })],
    type: AioClockError,
    names: [M, '"timezone"'],
  },
  {
    title: 'forRoot: a coordinator that is not one',
    imports: [root({ coordinator: {} })],
    type: AioClockError,
    names: [M, 'coordinator'],
  },
  {
    title: "forRoot: openTelemetry 'on'",
    imports: [root({ openTelemetry: 'on' })],
    type: AioClockError,
    names: [M, 'openTelemetry', '"on"'],
  },
  {
    title: 'forRootAsync: a factory returning a bad option',
    imports: [
      AioClockModule.forRootAsync({
        useFactory: () => any({ shutdownTimeout: '5s' }),
      }),
    ],
    type: AioClockError,
    names: [M, 'shutdownTimeout', '"5s"'],
  },
  {
    title: 'forFeature: concurrency 0',
    imports: [root({}), featureModule({ concurrency: 0 })],
    type: AioClockError,
    names: [F, 'concurrency', '0'],
  },
  {
    title: 'forFeature: concurrency 1.5',
    imports: [root({}), featureModule({ concurrency: 1.5 })],
    type: AioClockError,
    names: [F, 'concurrency', '1.5'],
  },
  {
    title: 'forFeature: timeout -5',
    imports: [root({}), featureModule({ timeout: -5 })],
    type: AioClockError,
    names: [F, 'timeout', '-5'],
  },
  {
    title: 'forFeature: an empty name',
    imports: [root({}), featureModule({ name: '' })],
    type: AioClockError,
    names: [F, 'name', '""'],
  },
  {
    title: 'forFeature: an unknown option',
    imports: [root({}), featureModule({ maxConcurrency: 2 })],
    type: AioClockError,
    names: [F, '"maxConcurrency"'],
  },
  {
    title: 'forFeature: two modules name one group with different options',
    imports: [root({}), LedgerModule, InvoiceModule],
    type: AioClockError,
    names: ['"reports"', 'enabled', 'LedgerModule', 'InvoiceModule'],
  },
  {
    title: "@At without tz under forRoot's unknown zone",
    imports: [root({ timeZone: 'Moon/Tranquility' }), ZonedModule],
    type: AioClockError,
    names: ['"Moon/Tranquility"'],
  },
];

describe('Bad input', () => {
  it('should have a table of at least 40 rows', () => {
    expect(decorationRows.length + initRows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(decorationRows)(
    'should reject at decoration time: $title',
    ({ act, type, names }) => {
      let error: unknown;
      try {
        act();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(type);
      const message = (error as Error).message;
      for (const fragment of names) expect(message).toContain(fragment);
    },
  );

  it('should name an array given as the cron expression, after the task and the parameter', () => {
    const act = decorating(Cron(any(['0', '9'])));
    expect(act).toThrow(InvalidTriggerError);
    expect(act).toThrow(/BadTasks\.run: .*cron.*\["0","9"\]/);
  });

  it('should reject two decorators written on one method when the class is defined', () => {
    expect(() => {
      class Twice {
        @Every({ seconds: 1 })
        @Cron('0 9 * * *')
        run(): void {}
      }
      return Twice;
    }).toThrow(
      new InvalidTriggerError(
        twoTriggerDecorators('Twice.run', 'Every', 'Cron'),
      ),
    );
  });

  it.each(initRows)(
    'should fail app.init() and start nothing: $title',
    async ({ imports, type, names }) => {
      const clock = new VirtualClock(new Date('2024-03-31T11:00:00Z'));
      const app = await Test.createTestingModule({
        imports: [...imports, HealthyModule],
      })
        .overrideProvider(Clock)
        .useValue(clock)
        .setLogger(new CaptureLogger())
        .compile();
      let error: unknown;
      try {
        await app.init();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(type);
      const message = (error as Error).message;
      for (const fragment of names) expect(message).toContain(fragment);

      // Not half-configured: nothing armed, nothing fires, even as time passes.
      expect(clock.pendingTimers()).toBe(0);
      await clock.advance(10_000);
      expect(app.get(HealthyTasks).runs).toBe(0);
      // Nest's close() re-throws the failed init; what matters is that nothing is left behind.
      await app.close().catch(() => undefined);
      expect(clock.pendingTimers()).toBe(0);
    },
  );
});
