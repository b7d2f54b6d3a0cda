import {
  BadRequestException,
  Body,
  CanActivate,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
  Type,
  UseGuards,
} from '@nestjs/common';
import {
  backfillBody,
  crossSiteRequest,
  dashboardLocalHistory,
  invalidOption,
  scheduleTaskRoute,
} from '../aioclock.messages';
import { SCHEDULE_TASK_PREFIX } from '../aioclock.constants';
import { AioClockRegistry } from '../aioclock.registry';
import { Clock } from '../clock/clock';
import { describeValue } from '../errors/describe-error';
import { InvalidBackfillError } from '../errors/invalid-backfill.error';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { TaskBusyError } from '../errors/task-busy.error';
import { TaskNotFoundError } from '../errors/task-not-found.error';
import type { TaskInfo } from '../interfaces/task-info.interface';
import { DASHBOARD } from './aioclock-http.dashboard';
import { describeTrigger } from './aioclock-http.describe-trigger';
import {
  AioClockRunHistory,
  errorMessage,
  type TaskHistory,
} from './aioclock-http.history';
import type { HistoryRecord } from './aioclock-http.run-records';

/** One task as the dashboard shows it: the `TaskInfo`, the trigger in words, recent runs. */
export interface DashboardTask extends TaskInfo, TaskHistory {
  triggerText: string;
  /** The registry's history (every replica's runs with a durable coordinator), newest first: the chart's data. */
  runHistory: HistoryRecord[];
}

/** What `GET {path}/overview` returns, for the dashboard. */
export interface DashboardOverview {
  /** The scheduler's clock, so relative times ("in 3 s") agree with it. */
  now: Date;
  historySize: number;
  tasks: DashboardTask[];
  /**
   * Set when the coordinator's history could not be read (an outage): each
   * `runHistory` is then this replica's own runs, and this says so.
   */
  historyNotice?: string;
}

/** What `POST {path}/tasks/:name/run` returns. */
export interface RunResponse {
  name: string;
  /** What the method returned (`null` for nothing). */
  result: unknown;
}

/** What `POST {path}/tasks/:name/backfill` returns. */
export interface BackfillResponse {
  name: string;
  /** How many due times ran (see `AioClockRegistry.backfill`). */
  fired: number;
}

/** Browsers say where a request comes from; only the page itself (or a non-browser client) may change state. */
export function refuseCrossSite(
  fetchSite: string | undefined,
  origin: string | undefined,
  host: string | undefined,
): void {
  let crossSite =
    fetchSite !== undefined &&
    fetchSite !== 'same-origin' &&
    fetchSite !== 'none';
  // Browsers older than Sec-Fetch-*: compare Origin with Host.
  if (fetchSite === undefined && origin !== undefined && host !== undefined) {
    try {
      crossSite = new URL(origin).host !== host;
    } catch {
      crossSite = true;
    }
  }
  if (crossSite)
    throw new HttpException(crossSiteRequest(), HttpStatus.FORBIDDEN);
}

/** A JSON-safe copy of a task's result: a value JSON cannot carry becomes its string form. */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    JSON.stringify(value);
    return value;
  } catch {
    return describeValue(value);
  }
}

/**
 * Builds the controller class for one `AioClockHttpModule.register` call: its
 * path and guards are class metadata, so each registration gets its own class.
 * Every route goes through the registry by exact name; nothing in a request
 * selects a method.
 * @param path where to mount it
 * @param guards what `@UseGuards` gets
 */
export function createAioClockHttpController(
  path: string,
  guards: Array<Type<CanActivate> | CanActivate>,
): Type<unknown> {
  @Controller(path)
  class AioClockHttpController {
    constructor(
      private readonly registry: AioClockRegistry,
      private readonly history: AioClockRunHistory,
      private readonly clock: Clock,
    ) {}

    /** The dashboard: one static page that reads `overview`. */
    @Get()
    @Header('Content-Type', 'text/html; charset=utf-8')
    @Header('Content-Security-Policy', DASHBOARD.csp)
    @Header('Cache-Control', 'no-store')
    @Header('X-Content-Type-Options', 'nosniff')
    @Header('X-Frame-Options', 'DENY')
    @Header('Referrer-Policy', 'no-referrer')
    dashboard(): string {
      return DASHBOARD.html;
    }

    /** Every task with its trigger in words, recent runs and last error. */
    @Get('overview')
    @Header('Cache-Control', 'no-store')
    async overview(): Promise<DashboardOverview> {
      const now = this.clock.now();
      let unreadable: string | null = null;
      const tasks = await Promise.all(
        this.registry.getTasks().map(async (task) => ({
          ...task,
          triggerText: describeTrigger(task.trigger),
          ...this.history.of(task.name),
          // The page must load during an outage: this replica's runs then.
          runHistory: await this.registry
            .getHistory(task.name, { limit: this.history.size })
            .catch((error: unknown) => {
              unreadable ??= errorMessage(error);
              return this.registry.getLocalHistory(
                task.name,
                this.history.size,
              );
            }),
        })),
      );
      const overview: DashboardOverview = {
        now,
        historySize: this.history.size,
        tasks,
      };
      if (unreadable !== null)
        overview.historyNotice = dashboardLocalHistory(unreadable);
      return overview;
    }

    /** The `TaskInfo` list. */
    @Get('tasks')
    @Header('Cache-Control', 'no-store')
    list(): TaskInfo[] {
      return this.registry.getTasks();
    }

    /** One `TaskInfo`; 404 for an unknown name. */
    @Get('tasks/:name')
    @Header('Cache-Control', 'no-store')
    get(@Param('name') name: string): TaskInfo {
      return this.find(name);
    }

    /**
     * The task's recent runs, newest first, as `RunRecord`s (outcome,
     * replica, attempt, error); 404 for an unknown name, 400 for a bad `limit`.
     */
    @Get('tasks/:name/history')
    @Header('Cache-Control', 'no-store')
    runHistory(
      @Param('name') name: string,
      @Query('limit') limit?: string,
    ): Promise<HistoryRecord[]> {
      this.find(name);
      const max = limit === undefined ? this.history.size : Number(limit);
      if (!Number.isInteger(max) || max < 1 || max > 1_000)
        throw new BadRequestException(
          invalidOption(
            `GET tasks/${name}/history`,
            'limit',
            limit,
            'an integer from 1 to 1000',
          ),
        );
      return this.registry.getHistory(name, { limit: max });
    }

    /** Runs the task now: 200 with its result, 404, 409 (busy), 500 (it threw), 503 (stopping). */
    @Post('tasks/:name/run')
    @HttpCode(HttpStatus.OK)
    async run(
      @Param('name') name: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<RunResponse> {
      refuseCrossSite(fetchSite, origin, host);
      this.find(name);
      try {
        return { name, result: jsonSafe(await this.registry.runTask(name)) };
      } catch (error) {
        if (error instanceof TaskNotFoundError && error.taskName === name)
          throw new NotFoundException(error.message);
        // Only the scheduler's own refusal of THIS run (a task may rethrow
        // another task's refusal: that is its failure, a 500).
        if (error instanceof TaskBusyError && error.taskName === name)
          throw new HttpException(error.message, HttpStatus.CONFLICT);
        if (
          error instanceof SchedulerStoppingError &&
          error.taskName === name
        ) {
          throw new HttpException(
            error.message,
            HttpStatus.SERVICE_UNAVAILABLE,
          );
        }
        // The scheduler has logged the failure with the task's name already.
        throw new HttpException(
          {
            statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
            error: 'Internal Server Error',
            message: errorMessage(error),
            name,
          },
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }

    /**
     * Fires the task's due times in `{ from, to }` (ISO strings), oldest
     * first; answers once they have run: 200 `{ name, fired }`, 400 with the
     * reason for a bad body or range, 404, 503 (stopping).
     */
    @Post('tasks/:name/backfill')
    @HttpCode(HttpStatus.OK)
    async backfill(
      @Param('name') name: string,
      @Body() body: unknown,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<BackfillResponse> {
      refuseCrossSite(fetchSite, origin, host);
      this.find(name);
      const range = body as { from?: unknown; to?: unknown } | null;
      if (
        typeof range !== 'object' ||
        range === null ||
        typeof range.from !== 'string' ||
        typeof range.to !== 'string'
      )
        throw new BadRequestException(backfillBody(body));
      try {
        return {
          name,
          fired: await this.registry.backfill(name, range.from, range.to),
        };
      } catch (error) {
        if (error instanceof InvalidBackfillError && error.taskName === name)
          throw new BadRequestException(error.message);
        if (error instanceof TaskNotFoundError)
          throw new NotFoundException(error.message);
        if (error instanceof SchedulerStoppingError)
          throw new HttpException(
            error.message,
            HttpStatus.SERVICE_UNAVAILABLE,
          );
        throw error;
      }
    }

    /** Pause or resume, after the same checks; the task's `TaskInfo` after it. */
    private toggle(
      action: 'pause' | 'resume',
      name: string,
      fetchSite?: string,
      origin?: string,
      host?: string,
    ): TaskInfo {
      refuseCrossSite(fetchSite, origin, host);
      this.find(name);
      // A schedule's pause lives in its store, shared by the replicas: pausing
      // its task here alone would make the two disagree.
      if (name.startsWith(SCHEDULE_TASK_PREFIX))
        throw new NotFoundException(
          scheduleTaskRoute(name, `schedules/:id/${action}`),
        );
      this.registry[action](name);
      return this.registry.getTask(name);
    }

    /** Pauses the task; 200 with its `TaskInfo`. */
    @Post('tasks/:name/pause')
    @HttpCode(HttpStatus.OK)
    pause(
      @Param('name') name: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): TaskInfo {
      return this.toggle('pause', name, fetchSite, origin, host);
    }

    /** Resumes the task; 200 with its `TaskInfo`. */
    @Post('tasks/:name/resume')
    @HttpCode(HttpStatus.OK)
    resume(
      @Param('name') name: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): TaskInfo {
      return this.toggle('resume', name, fetchSite, origin, host);
    }

    private find(name: string): TaskInfo {
      try {
        return this.registry.getTask(name);
      } catch (error) {
        if (error instanceof TaskNotFoundError)
          throw new NotFoundException(error.message);
        throw error;
      }
    }
  }

  if (guards.length > 0) UseGuards(...guards)(AioClockHttpController);
  return AioClockHttpController;
}
