import { Injectable, Module } from '@nestjs/common';
import { AioClockModule, Cron, Every, type TaskContext } from '../../../lib';

/** Tasks with run policies, declared through the decorators, for the HTTP spec. */
@Injectable()
export class PolicyTasks {
  /** `scheduledAt` of each backfilled run. */
  readonly backfilled: string[] = [];

  @Cron('0 * * * *', { name: 'policies.hourly' })
  hourly(ctx: TaskContext): void {
    if (ctx.catchUp) this.backfilled.push(ctx.scheduledAt.toISOString());
  }

  @Every(
    { minutes: 1 },
    {
      name: 'policies.flaky',
      pauseOnFailure: 2,
      retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1_000 } },
    },
  )
  flaky(ctx: TaskContext): void {
    throw new Error(`down (attempt ${ctx.attempt})`);
  }
}

/** The feature module: group "policies". */
@Module({
  imports: [AioClockModule.forFeature({ name: 'policies' })],
  providers: [PolicyTasks],
})
export class PoliciesModule {}
