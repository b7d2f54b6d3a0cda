import { Injectable, Module } from '@nestjs/common';
import {
  AioClockModule,
  LocalCoordinator,
  MemoryScheduleStore,
  ScheduleHandler,
  type ScheduleStore,
  type TaskContext,
} from '../../../lib';

/** One run of a schedule handler, as the handler saw it. */
export interface HandledRun {
  handler: string;
  task: string;
  payload: unknown;
  scheduledAt: string;
  group: string;
}

/** A dependency the handlers call: tests override it or read it. */
@Injectable()
export class ReportMailer {
  readonly sent: HandledRun[] = [];
  send(run: HandledRun): unknown {
    this.sent.push(run);
    return undefined;
  }
}

/** The customer-report handler, named, and one keeping its default name. */
@Injectable()
export class ReportHandlers {
  constructor(private readonly mailer: ReportMailer) {}

  @ScheduleHandler('reports.send')
  send(payload: unknown, ctx: TaskContext): unknown {
    return this.mailer.send({
      handler: 'reports.send',
      task: ctx.name,
      payload,
      scheduledAt: ctx.scheduledAt.toISOString(),
      group: ctx.group,
    });
  }

  @ScheduleHandler()
  remind(payload: unknown, ctx: TaskContext): unknown {
    return this.mailer.send({
      handler: 'ReportHandlers.remind',
      task: ctx.name,
      payload,
      scheduledAt: ctx.scheduledAt.toISOString(),
      group: ctx.group,
    });
  }
}

@Module({ providers: [ReportMailer, ReportHandlers] })
export class ReportsModule {}

/** Two handlers with one name: bootstrap refuses it. */
@Injectable()
export class ClashingHandlers {
  @ScheduleHandler('reports.send')
  one(): void {}
}

@Module({ providers: [ClashingHandlers] })
export class ClashingModule {}

/**
 * A coordinator that decides alone (every claim granted) but keeps its
 * schedules in a store several apps share: the in-process stand-in for a
 * durable backend's store, to test restarts and replicas following changes.
 */
export class SharedStoreCoordinator extends LocalCoordinator {
  constructor(readonly schedules: ScheduleStore) {
    super();
  }
}

/** The app's imports, with schedules in `store` when given (else in memory). */
export function reportsApp(store?: MemoryScheduleStore) {
  return {
    imports: [
      AioClockModule.forRoot({
        timeZone: 'UTC',
        ...(store ? { coordinator: new SharedStoreCoordinator(store) } : {}),
      }),
      ReportsModule,
    ],
  };
}
