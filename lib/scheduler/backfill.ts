import {
  backfillNotTimed,
  backfillTooLong,
  invalidBackfill,
  skipReasons,
} from '../aioclock.messages';
import type { ClaimAnswer } from '../coordination/coordinator.interface';
import { InvalidBackfillError } from '../errors/invalid-backfill.error';
import { isInstance } from '../errors/is-instance';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { TaskBusyError } from '../errors/task-busy.error';
import { dateOptionMs } from '../options/task.options';
import type { EverySpec } from '../interfaces/trigger-spec.interface';
import { everyIntervalMs } from '../triggers/every.trigger';
import type { Trigger } from '../triggers/trigger';
import { RunWindow } from './run-window';
import type { SchedulerInternals } from './scheduler-internals';
import type { RunWaiter, TaskState } from './task-state';
import { NOT_QUEUED } from './timer-queue';

/** The most due times one `backfill` call fires. */
export const BACKFILL_LIMIT = 1_000;

type BackfillHost = Pick<
  SchedulerInternals,
  'clock' | 'coordinator' | 'phase' | 'runRequested' | 'skip'
>;

/** A caught-up or backfilled due time whose claim was not won: skipped, saying why. */
export function skipUnclaimed(
  host: Pick<SchedulerInternals, 'skip'>,
  task: TaskState,
  due: number,
  answer: ClaimAnswer,
): void {
  host.skip(
    task,
    due,
    answer === 'busy' ? skipReasons.runningElsewhere : skipReasons.claimed,
  );
}

/** A backfill run's waiter: `ctx.catchUp`, and whether the run happened. */
export class BackfillWaiter implements RunWaiter {
  readonly attempt = 1;
  readonly catchUp = true;
  constructor(
    private readonly task: string,
    private readonly settle: (ran: boolean) => void,
  ) {}
  resolve(): void {
    this.settle(true);
  }
  reject(error: unknown): void {
    // Refused by the overlap policy or dropped at shutdown: it did not run.
    const refused =
      (isInstance(error, TaskBusyError) ||
        isInstance(error, SchedulerStoppingError)) &&
      error.taskName === this.task;
    this.settle(!refused);
  }
}

/**
 * `registry.backfill(name, from, to)`: fires each due time of a task in
 * `[from, to]`, oldest first, one after the other (each run ends before the
 * next due time is fired), with `ctx.catchUp === true`, through the task's
 * overlap policy and, under a coordinator, the claim of that due time — so a
 * due time that already ran anywhere is not run again. An `@Every` uses its
 * task's grid (the next due time it has queued); due times outside the
 * task's `startAt`/`endAt` do not exist here either.
 */
export class Backfill {
  /** @param host the scheduler */
  constructor(private readonly host: BackfillHost) {}

  /**
   * The due times to fire; throws before anything runs.
   * @param fresh a trigger for the task's spec that nothing else uses
   * @throws InvalidBackfillError naming the task and the bad value
   */
  dueTimes(
    task: TaskState,
    from: unknown,
    to: unknown,
    fresh: () => Trigger,
  ): number[] {
    const name = task.name;
    const start = this.bound(name, 'from', from);
    const end = this.bound(name, 'to', to);
    const now = this.host.clock.timestamp();
    if (end < start)
      throw new InvalidBackfillError(
        invalidBackfill(name, 'range', { from, to }, 'from at or before to'),
        name,
        { from, to },
      );
    if (end > now)
      throw new InvalidBackfillError(
        invalidBackfill(
          name,
          'to',
          to,
          `an instant not in the future (now: ${new Date(now).toISOString()})`,
        ),
        name,
        to,
      );
    const spec = task.def.trigger;
    if (
      task.kind !== 'timed' ||
      spec.type === 'once' ||
      spec.type === 'forever'
    )
      throw new InvalidBackfillError(backfillNotTimed(name, spec.type), name);

    // Only the part of the range inside the task's window can hold due
    // times: stepping through the rest took hours for a range from 1970.
    const window = task.trigger instanceof RunWindow ? task.trigger : null;
    const low = window === null ? start : Math.max(start, window.start);
    const high = window === null ? end : Math.min(end, window.end);
    const dues: number[] = [];
    const take = (due: number): void => {
      if (dues.length === BACKFILL_LIMIT)
        throw new InvalidBackfillError(
          backfillTooLong(name, BACKFILL_LIMIT),
          name,
          { from, to },
        );
      dues.push(due);
    };
    if (low > high) return dues;
    if (spec.type === 'every') {
      const interval = everyIntervalMs(spec as EverySpec);
      const anchor = this.everyAnchor(task, start);
      let due = anchor + Math.ceil((low - anchor) / interval) * interval;
      for (; due <= high; due += interval) take(due);
    } else {
      const trigger = fresh();
      let due = trigger.first(low - 1);
      while (due !== null && due <= high) {
        if (due >= low) take(due);
        due = trigger.next(due);
      }
    }
    return dues;
  }

  /**
   * Fires the due times one after the other.
   * @returns how many ran on this replica (not refused by the overlap policy, nor claimed elsewhere)
   */
  async fire(task: TaskState, dues: readonly number[]): Promise<number> {
    const host = this.host;
    let ran = 0;
    for (let i = 0; i < dues.length; i++) {
      // Stopped, or removed (`removeTask`: no run after it is called).
      if (host.phase !== 'running' || task.removed) break;
      const due = dues[i];
      if (task.claim !== null) {
        const period = i + 1 < dues.length ? dues[i + 1] - due : null;
        // Any replica may backfill (the owner may be another): claimed as a
        // catch-up, so only the fence decides. Only `true` runs it here.
        const answer = await host.coordinator!.claim(
          task.name,
          due,
          period,
          true,
        );
        if (host.phase !== 'running' || task.removed) break;
        if (answer !== true) {
          skipUnclaimed(host, task, due, answer);
          continue;
        }
      }
      const started = await new Promise<boolean>((settle) =>
        host.runRequested(task, due, new BackfillWaiter(task.name, settle)),
      );
      if (started) ran++;
    }
    return ran;
  }

  /** A point on an `@Every` task's grid: its queued due time, else its last, else (aligned) the epoch. */
  private everyAnchor(task: TaskState, start: number): number {
    if (task.queuedDue !== NOT_QUEUED) return task.queuedDue;
    if (!Number.isNaN(task.cursor)) return task.cursor;
    return this.host.coordinator?.alignsToEpoch === true ? 0 : start;
  }

  private bound(task: string, what: 'from' | 'to', value: unknown): number {
    const ms = dateOptionMs(value);
    if (!Number.isFinite(ms))
      throw new InvalidBackfillError(
        invalidBackfill(task, what, value, 'a valid Date or ISO 8601 string'),
        task,
        value,
      );
    return ms;
  }
}
