import { Injectable, Module } from '@nestjs/common';
import {
  AioClockModule,
  AioClockRegistry,
  Cron,
  Every,
  OrTrigger,
  type TaskContext,
} from '../../lib';
import { createTestApp } from '../src/create-app';
import { EveryKindTasks } from '../src/every-kind.tasks';
import { Recorder } from '../src/recorder';

@Module({ providers: [Recorder, EveryKindTasks] })
class KindsModule {}

const at = (offsetSeconds: number): string =>
  new Date(
    Date.parse('2024-03-31T11:00:00Z') + offsetSeconds * 1000,
  ).toISOString();

describe('Trigger decorators in a Nest app', () => {
  it('should fire every kind of task at its instants under a VirtualClock', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), KindsModule],
    });
    const recorder = app.get(Recorder);
    const tasks = app.get(EveryKindTasks);

    expect(recorder.runs).toEqual({ 'EveryKindTasks.startUp': [at(0)] });

    await clock.advance(60_000);
    expect(recorder.runs['EveryKindTasks.every']).toEqual(
      [10, 20, 30, 40, 50, 60].map(at),
    );
    expect(recorder.runs['EveryKindTasks.everyImmediate']).toEqual(
      [0, 10, 20].map(at),
    );
    expect(recorder.runs['EveryKindTasks.atIstanbul']).toEqual([at(0)]);
    expect(recorder.runs['EveryKindTasks.atBerlin']).toEqual([at(60)]);
    expect(recorder.runs['EveryKindTasks.cron']).toEqual([30, 60].map(at));
    expect(recorder.runs['EveryKindTasks.once']).toEqual([at(0)]);
    expect(recorder.count('EveryKindTasks.forever')).toBe(5);
    expect(recorder.runs['EveryKindTasks.or']).toEqual(
      [3, 5, 6, 9, 10, 12, 15].map(at),
    );
    expect(recorder.runs['EveryKindTasks.cronIstanbul']).toBeUndefined();
    expect(tasks.order[0]).toBe('EveryKindTasks.startUp');

    // 15:00 in Istanbul is 12:00Z.
    await clock.advanceTo(new Date('2024-03-31T12:00:00Z'));
    expect(recorder.runs['EveryKindTasks.cronIstanbul']).toEqual([
      '2024-03-31T12:00:00.000Z',
    ]);
    expect(recorder.count('EveryKindTasks.every')).toBe(360);
    expect(recorder.count('EveryKindTasks.everyImmediate')).toBe(3);

    const registry = app.get(AioClockRegistry);
    expect(registry.getTask('EveryKindTasks.everyImmediate')).toMatchObject({
      runs: 3,
      finished: true,
      nextRunAt: null,
    });
    expect(registry.getTask('EveryKindTasks.or')).toMatchObject({
      runs: 7,
      finished: true,
    });
    expect(registry.getTask('EveryKindTasks.every').nextRunAt).toEqual(
      new Date('2024-03-31T12:00:10Z'),
    );

    expect(recorder.runs['EveryKindTasks.shutDown']).toBeUndefined();
    await app.close();
    expect(recorder.runs['EveryKindTasks.shutDown']).toHaveLength(1);
    expect(tasks.order[tasks.order.length - 1]).toBe('EveryKindTasks.shutDown');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should shift a wall-clock time that does not exist on a DST night forward by the gap', async () => {
    const { At } = await import('../../lib');
    const { Injectable } = await import('@nestjs/common');
    @Injectable()
    class NightTasks {
      constructor(private readonly recorder: Recorder) {}
      @At({ hour: 2, minute: 30, tz: 'Europe/Berlin' })
      night(ctx: Parameters<Recorder['record']>[0]): void {
        this.recorder.record(ctx);
      }
    }
    @Module({ providers: [Recorder, NightTasks] })
    class NightModule {}

    const { app, clock } = await createTestApp(
      { imports: [AioClockModule.forRoot(), NightModule] },
      '2024-03-30T12:00:00Z',
    );
    await clock.advanceTo(new Date('2024-04-02T00:00:00Z'));
    expect(app.get(Recorder).runs['NightTasks.night']).toEqual([
      '2024-03-31T01:30:00.000Z', // 02:30 CET does not exist: 03:30 CEST
      '2024-04-01T00:30:00.000Z', // 02:30 CEST
    ]);
    await app.close();
  });

  it('should keep a separate schedule for each task of the same trigger (they share one trigger object)', async () => {
    @Injectable()
    class SameSchedule {
      constructor(private readonly recorder: Recorder) {}
      @Every({ seconds: 1, maxLoopCount: 2 })
      limited(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @Every({ seconds: 1 })
      free(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @Every({ seconds: 1 })
      paused(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @Cron('* * * * * *', { overlap: 'allow' })
      cronA(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @Cron({ cron: '* * * * * *', maxLoopCount: 3 })
      cronB(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @OrTrigger([
        Every({ seconds: 1, maxLoopCount: 1 }),
        Every({ seconds: 2 }),
      ])
      orA(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @OrTrigger([
        Every({ seconds: 1, maxLoopCount: 1 }),
        Every({ seconds: 2 }),
      ])
      orB(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
    }
    @Module({ providers: [Recorder, SameSchedule] })
    class SameScheduleModule {}

    const { app, clock } = await createTestApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC' }),
        SameScheduleModule,
      ],
    });
    const registry = app.get(AioClockRegistry);
    const recorder = app.get(Recorder);
    await clock.advance(2_000);
    registry.pause('SameSchedule.paused');
    await clock.advance(2_000);
    registry.resume('SameSchedule.paused');
    await clock.advance(2_000);

    expect(recorder.runs['SameSchedule.limited']).toEqual([1, 2].map(at));
    expect(recorder.runs['SameSchedule.free']).toEqual(
      [1, 2, 3, 4, 5, 6].map(at),
    );
    expect(recorder.runs['SameSchedule.paused']).toEqual([1, 2, 5, 6].map(at));
    expect(recorder.runs['SameSchedule.cronA']).toEqual(
      [1, 2, 3, 4, 5, 6].map(at),
    );
    expect(recorder.runs['SameSchedule.cronB']).toEqual([1, 2, 3].map(at));
    expect(recorder.runs['SameSchedule.orA']).toEqual([1, 2, 4, 6].map(at));
    expect(recorder.runs['SameSchedule.orB']).toEqual([1, 2, 4, 6].map(at));
    expect(registry.getTask('SameSchedule.limited')).toMatchObject({
      runs: 2,
      finished: true,
    });
    await app.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
