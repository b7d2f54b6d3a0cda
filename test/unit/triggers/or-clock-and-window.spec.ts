import { Injectable, Module } from '@nestjs/common';
import {
  AioClockModule,
  AioClockRegistry,
  Cron,
  Every,
  OrTrigger,
} from '../../../lib';
import { RunWindow } from '../../../lib/scheduler/run-window';
import { AnyOfTrigger } from '../../../lib/triggers/any-of.trigger';
import { CronTrigger } from '../../../lib/triggers/cron.trigger';
import { EveryTrigger } from '../../../lib/triggers/every.trigger';
import { createTestApp } from '../../src/create-app';

// An `or` keeps its members' due times itself, so the scheduler cannot move
// them as it moves a plain trigger's: it asks the `or` (`rebase` after a
// step of the system clock, `skipBefore` for a window that starts ahead).

const T0 = Date.parse('2024-01-01T00:00:00Z');
const HOUR = 3_600_000;

@Injectable()
class ClockTasks {
  readonly runs = { every: 0, or: 0, cron: 0, orCron: 0, orCapped: 0 };
  @Every({ seconds: 10 }) every(): void {
    this.runs.every++;
  }
  @OrTrigger([Every({ seconds: 10 })]) or(): void {
    this.runs.or++;
  }
  @Cron('*/10 * * * * *') cron(): void {
    this.runs.cron++;
  }
  @OrTrigger([Cron('*/10 * * * * *')]) orCron(): void {
    this.runs.orCron++;
  }
  @OrTrigger([Every({ seconds: 10 }, {}), Every({ hours: 1 })], {
    maxLoopCount: 20,
  })
  orCapped(): void {
    this.runs.orCapped++;
  }
}

@Module({ providers: [ClockTasks] })
class ClockModule {}

describe('an `or` when the system clock steps', () => {
  it.each([
    ['back an hour', -HOUR],
    ['forward an hour', HOUR],
  ])(
    'should keep firing like its members alone after a step %s',
    async (_title, step) => {
      const { app, clock } = await createTestApp(
        { imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), ClockModule] },
        new Date(T0).toISOString(),
      );
      await clock.advance(5_000);
      clock.stepWall(step);
      await clock.advance(60_000);
      const { runs } = app.get(ClockTasks);
      await app.close();
      expect(runs.every).toBe(6);
      expect(runs.or).toBe(runs.every);
      expect(runs.orCron).toBe(runs.cron);
      expect(runs.orCapped).toBe(runs.every);
    },
  );

  it('should keep a member’s count through a step back', () => {
    const member = {
      trigger: new EveryTrigger(1_000, false, false),
      maxLoopCount: 3,
    };
    const or = new AnyOfTrigger([member]);
    const fired = [or.first(T0)!];
    or.next(fired[0]); // the first due time fired: one counted
    expect(or.rebase(-HOUR, T0 + 1_500 - HOUR)).toBe(T0 + 2_000 - HOUR);
    let pending: number | null = T0 + 2_000 - HOUR;
    while (pending !== null) {
      fired.push(pending);
      pending = or.next(pending);
    }
    expect(fired).toEqual([T0 + 1_000, T0 + 2_000 - HOUR, T0 + 3_000 - HOUR]);
  });
});

describe('an `or` whose window starts far ahead', () => {
  /** An every-1-ms member that counts the due times asked of it. */
  function countingMember(): { trigger: EveryTrigger; calls: () => number } {
    const trigger = new EveryTrigger(1, false, false);
    let calls = 0;
    const next = trigger.next.bind(trigger);
    trigger.next = (previous: number): number => {
      calls++;
      return next(previous);
    };
    return { trigger, calls: () => calls };
  }

  it('should answer its first due time in the window without stepping to it', () => {
    const every = countingMember();
    const cron = new CronTrigger('0 0 9 * * *', 'UTC');
    const start = T0 + 365 * 24 * HOUR;
    const window = new RunWindow(
      new AnyOfTrigger([{ trigger: every.trigger }, { trigger: cron }]),
      start,
      Infinity,
    );
    expect(window.first(T0)).toBe(start);
    expect(every.calls()).toBeLessThan(5);
    // And it goes on from there, one member due time after the other.
    expect(window.next(start)).toBe(start + 1);
  });

  it('should count a capped member’s runs from the window only', () => {
    const start = T0 + 10_000;
    const window = new RunWindow(
      new AnyOfTrigger([
        { trigger: new EveryTrigger(1_000, false, false), maxLoopCount: 2 },
      ]),
      start,
      Infinity,
    );
    const first = window.first(T0)!;
    expect(first).toBe(start);
    expect(window.next(first)).toBe(start + 1_000);
    expect(window.next(start + 1_000)).toBeNull();
  });

  it('should backfill a range that starts long before the task’s startAt with only the window’s due times', async () => {
    const startAt = new Date(T0 + 5 * HOUR - 10_000);
    @Injectable()
    class Late {
      ran: number[] = [];
      @Every({ seconds: 1 }, { startAt }) run(): void {
        this.ran.push(0);
      }
    }
    @Module({ providers: [Late] })
    class LateModule {}
    const { app, clock } = await createTestApp(
      { imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), LateModule] },
      new Date(T0).toISOString(),
    );
    await clock.advance(5 * HOUR);
    const registry = app.get(AioClockRegistry);
    const before = app.get(Late).ran.length;
    // From 1970: stepping through the grid before the window took hours.
    const fired = registry.backfill(
      'Late.run',
      new Date(0),
      new Date(startAt.getTime() - 1),
    );
    await expect(fired).resolves.toBe(0);
    await app.close();
    expect(app.get(Late).ran.length).toBe(before);
  });
});
