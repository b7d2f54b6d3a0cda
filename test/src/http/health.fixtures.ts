import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  TerminusModule,
} from '@nestjs/terminus';
import { AioClockHealthIndicator } from '../../../lib/health';
import { AioClockModule, Cron, Every, VirtualClock } from '../../../lib';

/** Three well-behaved tasks and one that fails while `broken` is true. */
@Injectable()
export class BillingTasks {
  broken = true;

  @Every({ seconds: 5 }, { name: 'billing.tick' })
  tick(): void {}

  @Cron('0 9 * * *', { name: 'billing.daily' })
  daily(): void {}

  @Every({ hours: 1 }, { name: 'billing.sync' })
  sync(): string {
    if (this.broken) throw new Error('upstream 502');
    return 'fine';
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'billing' })],
  providers: [BillingTasks],
})
export class BillingModule {}

/** `GET /health` the way a user writes it, with a small margin so specs can make a task overdue. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly aioclock: AioClockHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.aioclock.isHealthy('scheduler', {
          overdueMarginMs: 30_000,
          failureThreshold: 3,
        }),
    ]);
  }
}

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [AioClockHealthIndicator],
})
export class HealthFixtureModule {}

/**
 * A VirtualClock whose timers never fire: what the scheduler sees when its
 * timers stop (a blocked event loop, a lost timer). Time still moves.
 */
export class StalledClock extends VirtualClock {
  override setTimer(): object {
    return {};
  }
}
