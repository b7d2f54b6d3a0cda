import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
} from '@nestjs/terminus';
// Published: import { AioClockHealthIndicator } from 'nestjs-aioclock/health';
import { AioClockHealthIndicator } from '../../../lib/health';

/** `GET /health`: open, for load balancers and Kubernetes probes. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly aioclock: AioClockHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    // Down when the scheduler is not running or a task is more than 30 s late.
    return this.health.check([
      () => this.aioclock.isHealthy('aioclock', { overdueMarginMs: 30_000 }),
    ]);
  }
}
