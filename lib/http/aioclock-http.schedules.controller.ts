import {
  BadRequestException,
  Body,
  CanActivate,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  Type,
  UseGuards,
} from '@nestjs/common';
import {
  scheduleBody,
  scheduleLabel,
  scheduleNotFound,
} from '../aioclock.messages';
import { AioClockRegistry } from '../aioclock.registry';
import { InvalidScheduleError } from '../errors/invalid-schedule.error';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import { ScheduleNotFoundError } from '../errors/schedule-not-found.error';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { TaskBusyError } from '../errors/task-busy.error';
import type {
  ScheduleInfo,
  SchedulePage,
  UpsertScheduleOptions,
} from '../interfaces/schedule.interface';
import { scheduleTaskName } from '../schedules/durable-schedules';
import { jsonSafe, refuseCrossSite } from './aioclock-http.controller';
import { errorMessage } from './aioclock-http.history';

/** What `POST {path}/schedules/:id/run` returns. */
export interface ScheduleRunResponse {
  id: string;
  /** What the handler returned (`null` for nothing). */
  result: unknown;
}

/** What `DELETE {path}/schedules/:id` returns. */
export interface ScheduleRemoveResponse {
  id: string;
  removed: true;
}

/** Bad input from the request: 400 with the reason; anything else goes on. */
function badRequest(error: unknown): never {
  if (
    error instanceof InvalidScheduleError ||
    error instanceof InvalidTriggerError
  )
    throw new BadRequestException(error.message);
  if (error instanceof ScheduleNotFoundError)
    throw new NotFoundException(error.message);
  throw error;
}

/**
 * Builds the schedules controller for one `AioClockHttpModule.register`
 * call, with the same path and guards as the tasks controller. Bad bodies
 * answer 400 with the reason (unknown handler, bad trigger, payload over
 * 64 KiB, unknown fields), never 500. A PUT refuses a handler this replica
 * does not declare, even under a durable store.
 * @param path where to mount it
 * @param guards what `@UseGuards` gets
 */
export function createAioClockSchedulesController(
  path: string,
  guards: Array<Type<CanActivate> | CanActivate>,
): Type<unknown> {
  @Controller(path)
  class AioClockSchedulesController {
    constructor(private readonly registry: AioClockRegistry) {}

    /**
     * A page of schedules by id: `?handler=&cursor=&limit=` (1–1000, default
     * 100); `?id=` finds one schedule (a page of one, or none) without a 404.
     */
    @Get('schedules')
    @Header('Cache-Control', 'no-store')
    async list(
      @Query('handler') handler?: string,
      @Query('cursor') cursor?: string,
      @Query('limit') limit?: string,
      @Query('id') id?: string,
    ): Promise<SchedulePage> {
      if (id) {
        const schedule = await this.registry.getSchedule(id);
        return { items: schedule === null ? [] : [schedule], cursor: null };
      }
      try {
        return await this.registry.listSchedules({
          handler: handler || undefined,
          cursor: cursor || null,
          limit: limit === undefined ? undefined : Number(limit),
        });
      } catch (error) {
        return badRequest(error);
      }
    }

    /** One schedule; 404 when there is none. */
    @Get('schedules/:id')
    @Header('Cache-Control', 'no-store')
    async get(@Param('id') id: string): Promise<ScheduleInfo> {
      const schedule = await this.registry.getSchedule(id);
      if (schedule === null) throw new NotFoundException(scheduleNotFound(id));
      return schedule;
    }

    /** Creates or replaces the schedule `id` from the body; 200 with it, 400 with the reason. */
    @Put('schedules/:id')
    @HttpCode(HttpStatus.OK)
    async upsert(
      @Param('id') id: string,
      @Body() body: unknown,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<ScheduleInfo> {
      refuseCrossSite(fetchSite, origin, host);
      const given = body as Record<string, unknown> | null;
      if (
        typeof given !== 'object' ||
        given === null ||
        Array.isArray(given) ||
        (given.id !== undefined && given.id !== id)
      )
        throw new BadRequestException(scheduleBody(id, body));
      try {
        return await this.registry
          .scheduleCommands()
          .upsert({ ...given, id } as unknown as UpsertScheduleOptions, true);
      } catch (error) {
        return badRequest(error);
      }
    }

    /** Removes the schedule everywhere; 404 when there was none. */
    @Delete('schedules/:id')
    @HttpCode(HttpStatus.OK)
    async remove(
      @Param('id') id: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<ScheduleRemoveResponse> {
      refuseCrossSite(fetchSite, origin, host);
      if (!(await this.registry.removeSchedule(id)))
        throw new NotFoundException(scheduleNotFound(id));
      return { id, removed: true };
    }

    /**
     * Runs the schedule's handler now on this replica: 200 with its result,
     * 404, 409 (busy, or its handler is not declared here), 500 (it threw),
     * 503 (stopping).
     */
    @Post('schedules/:id/run')
    @HttpCode(HttpStatus.OK)
    async run(
      @Param('id') id: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<ScheduleRunResponse> {
      refuseCrossSite(fetchSite, origin, host);
      try {
        return { id, result: jsonSafe(await this.registry.runSchedule(id)) };
      } catch (error) {
        // Only the refusals of THIS run: a handler may throw another
        // schedule's or task's refusal, and that is its failure, a 500.
        const task = scheduleTaskName(id);
        if (error instanceof ScheduleNotFoundError && error.scheduleId === id)
          throw new NotFoundException(error.message);
        if (
          (error instanceof InvalidScheduleError &&
            error.message.startsWith(`${scheduleLabel(id)}: `)) ||
          (error instanceof TaskBusyError && error.taskName === task)
        )
          throw new HttpException(error.message, HttpStatus.CONFLICT);
        if (error instanceof SchedulerStoppingError && error.taskName === task)
          throw new HttpException(
            error.message,
            HttpStatus.SERVICE_UNAVAILABLE,
          );
        throw new HttpException(
          {
            statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
            error: 'Internal Server Error',
            message: errorMessage(error),
            id,
          },
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }

    /** Pauses the schedule on every replica; 200 with it, 404. */
    @Post('schedules/:id/pause')
    @HttpCode(HttpStatus.OK)
    async pause(
      @Param('id') id: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<ScheduleInfo> {
      refuseCrossSite(fetchSite, origin, host);
      return this.registry.pauseSchedule(id).catch(badRequest);
    }

    /** Resumes the schedule; 200 with it, 404. */
    @Post('schedules/:id/resume')
    @HttpCode(HttpStatus.OK)
    async resume(
      @Param('id') id: string,
      @Headers('sec-fetch-site') fetchSite?: string,
      @Headers('origin') origin?: string,
      @Headers('host') host?: string,
    ): Promise<ScheduleInfo> {
      refuseCrossSite(fetchSite, origin, host);
      return this.registry.resumeSchedule(id).catch(badRequest);
    }
  }

  if (guards.length > 0) UseGuards(...guards)(AioClockSchedulesController);
  return AioClockSchedulesController;
}
