import { Injectable } from '@nestjs/common';
import {
  At,
  Cron,
  Every,
  Forever,
  Once,
  OnShutDown,
  OnStartUp,
  OrTrigger,
  type TaskContext,
} from '../../lib';
import { Recorder } from './recorder';

/** One task of every kind; each records the due times it ran for. */
@Injectable()
export class EveryKindTasks {
  readonly order: string[] = [];

  constructor(private readonly recorder: Recorder) {}

  private note(ctx: TaskContext): void {
    this.order.push(ctx.name);
    this.recorder.record(ctx);
  }

  @OnStartUp()
  startUp(ctx: TaskContext): void {
    this.note(ctx);
  }

  @Every({ seconds: 10 })
  every(ctx: TaskContext): void {
    this.note(ctx);
  }

  @Every({ seconds: 10, firstRunStrategy: 'immediate', maxLoopCount: 3 })
  everyImmediate(ctx: TaskContext): void {
    this.note(ctx);
  }

  // 2024-03-31T11:00:00Z is Sunday 14:00 in Istanbul: due exactly now.
  @At({ hour: 14, at: 'every sunday', tz: 'Europe/Istanbul' })
  atIstanbul(ctx: TaskContext): void {
    this.note(ctx);
  }

  // 13:01 CEST, the day Berlin moved to summer time, is 11:01Z.
  @At({ hour: 13, minute: 1, tz: 'Europe/Berlin' })
  atBerlin(ctx: TaskContext): void {
    this.note(ctx);
  }

  @Cron('*/30 * * * * *')
  cron(ctx: TaskContext): void {
    this.note(ctx);
  }

  @Cron({ cron: '0 15 * * *', tz: 'Europe/Istanbul' })
  cronIstanbul(ctx: TaskContext): void {
    this.note(ctx);
  }

  @Once()
  once(ctx: TaskContext): void {
    this.note(ctx);
  }

  @Forever({ maxLoopCount: 5 })
  async forever(ctx: TaskContext): Promise<void> {
    this.note(ctx);
  }

  @OrTrigger([Every({ seconds: 3 }), Every({ seconds: 5 })], {
    maxLoopCount: 7,
  })
  or(ctx: TaskContext): void {
    this.note(ctx);
  }

  @OnShutDown()
  shutDown(ctx: TaskContext): void {
    this.note(ctx);
  }
}
