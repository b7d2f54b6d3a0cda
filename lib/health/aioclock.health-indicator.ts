import {
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import {
  HealthIndicatorService,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import { AioClockRegistry } from '../aioclock.registry';
import { Clock } from '../clock/clock';
import { describeError, ERROR_TEXT_MAX_LENGTH } from '../errors/describe-error';
import type { ClockJump } from '../interfaces/clock-jump.interface';
import { resolveHealthOptions } from '../options/health.options';
import type { AioClockHealthOptions } from './aioclock-health-options.interface';

// The option defaults live next to their rules.
export {
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_OVERDUE_MARGIN_MS,
} from '../options/health.options';

/** A task whose due time passed by more than the margin without a run. */
export interface OverdueTask {
  name: string;
  group: string;
  nextRunAt: Date;
  overdueMs: number;
}

/** A task that failed at least `failureThreshold` times in a row. */
export interface FailingTask {
  name: string;
  group: string;
  consecutiveFailures: number;
  lastError: string;
}

/** The details `isHealthy` reports under its key. */
export interface AioClockHealthDetails extends Record<string, unknown> {
  /** Bootstrapped and not shutting down. */
  running: boolean;
  tasks: number;
  overdue: OverdueTask[];
  failing: FailingTask[];
  /** The latest system clock step the scheduler noticed and adjusted to, or `null`. */
  clockJump: ClockJump | null;
}

/**
 * A `@nestjs/terminus` health indicator for the scheduler: up while it is
 * running and no task is overdue by more than a margin; the details list
 * overdue and repeatedly failing tasks. Provide it in a module that imports
 * `TerminusModule`:
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.aioclock.isHealthy('aioclock')]); }
 * ```
 *
 * Exported from `nestjs-aioclock/health`, so the main entry never loads terminus.
 */
@Injectable()
export class AioClockHealthIndicator
  implements
    OnModuleInit,
    OnApplicationBootstrap,
    OnModuleDestroy,
    OnApplicationShutdown
{
  private running = false;
  private readonly streaks = new Map<
    string,
    { count: number; lastError: string }
  >();
  private subscription?: Subscription;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly registry: AioClockRegistry,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.subscription = this.registry.events$.subscribe((event) => {
      if (event.type === 'succeeded') this.streaks.delete(event.name);
      if (event.type !== 'failed') return;
      const streak = this.streaks.get(event.name);
      this.streaks.set(event.name, {
        count: (streak?.count ?? 0) + 1,
        lastError: describeError(event.error, ERROR_TEXT_MAX_LENGTH),
      });
    });
  }

  // Up from bootstrap; down from the very first shutdown phase (onModuleDestroy,
  // before the scheduler drains), so a shutting-down replica leaves the load balancer.
  onApplicationBootstrap(): void {
    this.running = true;
  }

  onModuleDestroy(): void {
    this.running = false;
  }

  // After the scheduler's drain (beforeApplicationShutdown), so its last events count.
  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * Checks the scheduler.
   * @param key the key of the result in the health check's output @default 'aioclock'
   * @param options `overdueMarginMs` (default 60 000), `failureThreshold` (default 3)
   * @throws AioClockError when an option is unknown or invalid
   */
  isHealthy<const Key extends string = 'aioclock'>(
    key: Key = 'aioclock' as Key,
    options: AioClockHealthOptions = {},
  ): HealthIndicatorResult<Key> {
    const { overdueMarginMs: margin, failureThreshold: threshold } =
      resolveHealthOptions(options);
    const now = this.clock.timestamp();
    // Durable schedules run as tasks too, and can stall or fail like them.
    const tasks = this.registry.getAllTasks();

    const overdue: OverdueTask[] = [];
    const failing: FailingTask[] = [];
    for (const task of tasks) {
      // Paused tasks have no nextRunAt; disabled and finished ones are not expected to run.
      if (
        task.nextRunAt !== null &&
        task.enabled &&
        !task.paused &&
        !task.finished
      ) {
        const late = now - task.nextRunAt.getTime();
        if (late > margin)
          overdue.push({
            name: task.name,
            group: task.group,
            nextRunAt: task.nextRunAt,
            overdueMs: late,
          });
      }
      const streak = this.streaks.get(task.name);
      if (streak && streak.count >= threshold) {
        failing.push({
          name: task.name,
          group: task.group,
          consecutiveFailures: streak.count,
          lastError: streak.lastError,
        });
      }
    }

    // A task removed at run time leaves no streak behind.
    if (this.streaks.size > tasks.length) {
      const names = new Set(tasks.map((task) => task.name));
      for (const name of this.streaks.keys())
        if (!names.has(name)) this.streaks.delete(name);
    }

    const details: AioClockHealthDetails = {
      running: this.running,
      tasks: tasks.length,
      overdue,
      failing,
      // Reported, not a failure: the scheduler has moved its due times already.
      clockJump: this.registry.lastClockJump(),
    };
    const session = this.health.check(key);
    return this.running && overdue.length === 0
      ? session.up(details)
      : session.down(details);
  }
}
