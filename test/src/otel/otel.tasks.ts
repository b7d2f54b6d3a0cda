import { Injectable, Module } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import {
  AioClockModule,
  Clock,
  Every,
  type AioClockOptions,
  type TaskContext,
} from '../../../lib';

/** Waits for its signal: ends only by timeout or shutdown. */
const untilAborted = (ctx: TaskContext): Promise<never> =>
  new Promise((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
  );

/** Group "traced", one run at a time: `otel.fail` waits for `otel.ok`'s 1.5 s, so it starts 1.5 s late. */
@Injectable()
export class TracedTasks {
  constructor(private readonly clock: Clock) {}

  /** Takes 1.5 virtual seconds and starts a span of its own after an await. */
  @Every({ seconds: 10 }, { name: 'otel.ok' })
  async ok(): Promise<string> {
    await new Promise<void>((resolve) =>
      this.clock.setTimer(() => resolve(), 1_500),
    );
    trace.getTracer('app').startActiveSpan('db.query', (span) => span.end());
    return 'done';
  }

  @Every({ seconds: 10 }, { name: 'otel.fail' })
  fail(): void {
    throw new Error('mail server down');
  }
}

/** Group "stuck": a run that hangs until its 15 s timeout, so the next due time is skipped. */
@Injectable()
export class StuckTasks {
  @Every({ seconds: 10 }, { name: 'otel.stuck', timeout: 15_000 })
  stuck(ctx: TaskContext): Promise<never> {
    return untilAborted(ctx);
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'traced', concurrency: 1 })],
  providers: [TracedTasks],
})
export class TracedModule {}

@Module({
  imports: [AioClockModule.forFeature({ name: 'stuck' })],
  providers: [StuckTasks],
})
export class StuckModule {}

/** The app the observability specs start. */
export const otelAppImports = (options: AioClockOptions = {}) => [
  AioClockModule.forRoot({ timeZone: 'UTC', shutdownTimeout: 0, ...options }),
  TracedModule,
  StuckModule,
];

/** Fails its first two tries of each due time, succeeds on the third (1 s apart). */
@Injectable()
export class RetriedTasks {
  @Every(
    { seconds: 10 },
    {
      name: 'otel.retried',
      retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 1_000 } },
    },
  )
  retried(ctx: TaskContext): void {
    if (ctx.attempt < 3) throw new Error(`try ${ctx.attempt} failed`);
  }
}

@Module({ providers: [RetriedTasks] })
export class RetriedModule {}
