import {
  Inject,
  Injectable,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { AioClockRegistry } from '../aioclock.registry';
import { describeError, ERROR_TEXT_MAX_LENGTH } from '../errors/describe-error';
import { TaskTimeoutError } from '../errors/task-timeout.error';
import type { TaskEvent } from '../interfaces/task-event.interface';
import {
  AIOCLOCK_HTTP_OPTIONS,
  DEFAULT_HISTORY_SIZE,
} from './aioclock-http.constants';
import type { AioClockHttpOptions } from './aioclock-http-options.interface';

/** How one run ended, as the dashboard's timeline shows it. */
export interface RunRecord {
  outcome: 'succeeded' | 'failed' | 'skipped';
  /** The due time the run was for. */
  scheduledAt: Date;
  /** When it started; `null` when it never did. */
  startedAt: Date | null;
  /** When it ended (or was skipped). */
  at: Date;
  /** From `started` to the end; `null` when the run never started (skipped, or failed to claim). */
  durationMs: number | null;
  /** For `failed`: the error's message. */
  error?: string;
  /** For `failed`: it failed by reaching its timeout. */
  timedOut?: true;
  /** For `skipped`: why. */
  reason?: string;
  /** For a task with `retry`: which try, from 1. */
  attempt?: number;
  /** A run of a passed due time (`backfill`). */
  catchUp?: true;
}

/** What the history knows about one task. */
export interface TaskHistory {
  /** The most recent runs, oldest first, at most `historySize`. */
  recent: RunRecord[];
  /** The latest failure, kept after it leaves `recent`. */
  lastError: { message: string; at: Date } | null;
}

/**
 * The message of whatever a task threw, cut so one huge error cannot bloat
 * every poll. Never throws: it runs in an `events$` subscriber.
 */
export function errorMessage(error: unknown): string {
  return describeError(error, ERROR_TEXT_MAX_LENGTH);
}

/**
 * Keeps a bounded ring of recent outcomes per task by listening to
 * `AioClockRegistry.events$`, for the dashboard's timeline. Memory is bounded
 * by the number of registered tasks times `historySize`: the rings of tasks
 * removed at run time are dropped whenever the map has doubled.
 */
@Injectable()
export class AioClockRunHistory implements OnModuleInit, OnApplicationShutdown {
  /** How many recent runs per task are kept. */
  readonly size: number;
  private readonly recent = new Map<string, RunRecord[]>();
  private readonly lastErrors = new Map<
    string,
    { message: string; at: Date }
  >();
  // Keyed by name and due time, so overlapping runs ('allow') get their own durations.
  private readonly startedAt = new Map<string, number>();
  private subscription?: Subscription;
  /** The map size at which removed tasks are looked for next. */
  private pruneAt = PRUNE_MIN;

  constructor(
    private readonly registry: AioClockRegistry,
    @Inject(AIOCLOCK_HTTP_OPTIONS) options: AioClockHttpOptions,
  ) {
    this.size = Math.max(
      1,
      Math.floor(options.historySize ?? DEFAULT_HISTORY_SIZE),
    );
  }

  onModuleInit(): void {
    // Before bootstrap, so the first @OnStartUp runs are recorded too.
    this.subscription = this.registry.events$.subscribe((event) =>
      this.record(event),
    );
  }

  // Not onModuleDestroy: the scheduler drains after that phase, and those runs belong in the history.
  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * The recent runs and last error of a task (empty for a task that has not run).
   * @param name the task's name
   */
  of(name: string): TaskHistory {
    return {
      recent: [...(this.recent.get(name) ?? [])],
      lastError: this.lastErrors.get(name) ?? null,
    };
  }

  private record(event: TaskEvent): void {
    const key = `${event.name}\u0000${event.scheduledAt.getTime()}`;
    switch (event.type) {
      case 'started':
        this.startedAt.set(key, event.at.getTime());
        return;
      case 'succeeded':
      case 'failed':
      case 'skipped': {
        // A skipped due time never started; a run of the same due time may still be going.
        const started =
          event.type === 'skipped' ? undefined : this.startedAt.get(key);
        if (event.type !== 'skipped') this.startedAt.delete(key);
        const entry: RunRecord = {
          outcome: event.type,
          scheduledAt: event.scheduledAt,
          startedAt: started === undefined ? null : new Date(started),
          at: event.at,
          durationMs:
            started === undefined ? null : event.at.getTime() - started,
        };
        if (event.type === 'failed') {
          entry.error = errorMessage(event.error);
          if (event.error instanceof TaskTimeoutError) entry.timedOut = true;
          this.lastErrors.set(event.name, {
            message: entry.error,
            at: event.at,
          });
        }
        if (event.type === 'skipped' && event.reason !== undefined)
          entry.reason = event.reason;
        if (event.attempt !== undefined) entry.attempt = event.attempt;
        if (event.catchUp === true) entry.catchUp = true;
        this.push(event.name, entry);
        return;
      }
      default:
        return;
    }
  }

  private push(name: string, entry: RunRecord): void {
    let ring = this.recent.get(name);
    if (!ring) {
      this.recent.set(name, (ring = []));
      if (this.recent.size >= this.pruneAt) this.prune();
    }
    ring.push(entry);
    if (ring.length > this.size) ring.splice(0, ring.length - this.size);
  }

  /** Drops what is kept for tasks no longer registered; next time at twice the size left. */
  private prune(): void {
    const names = new Set(this.registry.getAllTasks().map((task) => task.name));
    for (const name of this.recent.keys())
      if (!names.has(name)) this.recent.delete(name);
    for (const name of this.lastErrors.keys())
      if (!names.has(name)) this.lastErrors.delete(name);
    this.pruneAt = Math.max(PRUNE_MIN, this.recent.size * 2);
  }
}

/** Below this many tasks the history never looks for removed ones. */
const PRUNE_MIN = 64;
