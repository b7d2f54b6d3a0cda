import {
  DEFAULT_CATCH_UP,
  DEFAULT_CATCH_UP_WINDOW_MS,
} from '../aioclock.constants';
import {
  catchUpReadFailed,
  catchUpSummary,
  missedNotRecorded,
  missedReason,
} from '../aioclock.messages';
import type { Trigger } from '../triggers/trigger';
import { BackfillWaiter, skipUnclaimed } from './backfill';
import { missedDueTimes } from './missed-due-times';
import type { SchedulerInternals } from './scheduler-internals';
import type { TaskState } from './task-state';
import { NOT_QUEUED } from './timer-queue';

/** The most missed due times `catchUp: 'all'` fires for one task at once. */
export const CATCH_UP_LIMIT = 1_000;

/** The most missed due times recorded as `missed` per task at once; the rest are counted in one log line. */
export const MISSED_RECORD_LIMIT = 100;

type MissedCatchUpHost = Pick<
  SchedulerInternals,
  | 'clock'
  | 'logger'
  | 'coordinator'
  | 'tasks'
  | 'phase'
  | 'history'
  | 'claims'
  | 'isEnabled'
  | 'runRequested'
  | 'skip'
  | 'reportError'
>;

/** One task taken over: the first due time this replica fires itself. */
interface TakenTask {
  task: TaskState;
  before: number;
}

/**
 * Catch-up across restarts and take-overs, under a durable coordinator: due
 * times of a timed task that passed while no replica ran it (every replica
 * stopped for a deploy, an owner that died) are fired when a replica starts
 * owning the task — at its start, or when ownership moves to it — per the
 * task's `catchUp`: `'latest'` the most recent inside `catchUpWindow`,
 * `'all'` each inside it (oldest first, each once the one before ended, at
 * most `CATCH_UP_LIMIT`), `'none'` none. The rest are recorded as `missed`
 * (`MISSED_RECORD_LIMIT` per task; more are counted in one log line).
 *
 * The gap is (the task's stored last due time, the first due time this
 * replica fires itself): ONE batched read for all tasks a replica takes,
 * which also marks them caught up, so two replicas taking a task together do
 * not both catch it up. Each run goes through the claim of its nominal due
 * time (two replicas never run it twice) and the overlap policy, with
 * `ctx.catchUp === true`. Nothing here is on the run path. (Not the same as
 * `late-catch-up.ts`: a timer of this process that woke late.)
 */
export class MissedCatchUp {
  /** Tasks whose catch-up is being read or fired: a second take-over waits for none. */
  private readonly busy = new Set<TaskState>();

  /**
   * @param host the scheduler
   * @param fresh a trigger for the task's spec that nothing else uses
   */
  constructor(
    private readonly host: MissedCatchUpHost,
    private readonly fresh: (task: TaskState) => Trigger,
  ) {}

  /** At start: hears which tasks become this replica's (at once: those it owns). */
  start(): void {
    const coordinator = this.host.coordinator;
    if (
      coordinator?.onTasksGained === undefined ||
      coordinator.takeOverDueTimes === undefined
    )
      return;
    coordinator.onTasksGained((names) => this.gained(names));
  }

  /** At stop: hears nothing more. */
  stop(): void {
    this.host.coordinator?.onTasksGained?.(null);
  }

  private gained(names: readonly string[]): void {
    const host = this.host;
    if (host.phase !== 'running') return;
    const taken: TakenTask[] = [];
    for (const name of names) {
      const task = host.tasks.get(name);
      if (
        task === undefined ||
        task.claim === null ||
        task.exhausted ||
        task.queuedDue === NOT_QUEUED ||
        this.busy.has(task) ||
        !host.isEnabled(task)
      )
        continue;
      taken.push({ task, before: task.queuedDue });
      this.busy.add(task);
    }
    if (taken.length === 0) return;
    host.coordinator!.takeOverDueTimes!(
      taken.map(({ task, before }) => ({ name: task.name, before })),
    )
      .then(
        (last) => this.catchUp(taken, last),
        (error: unknown) => {
          for (const { task } of taken) this.busy.delete(task);
          host.logger.warn(catchUpReadFailed(taken.length, error));
        },
      )
      .catch((error: unknown) => host.reportError(error));
  }

  private catchUp(
    taken: readonly TakenTask[],
    last: Map<string, number>,
  ): void {
    const now = this.host.clock.timestamp();
    let fired = 0;
    let missed = 0;
    for (const { task, before } of taken) {
      const after = last.get(task.name);
      // Removed meanwhile: nothing of it runs or is recorded any more.
      const plan =
        after === undefined || task.removed
          ? null
          : this.plan(task, after, before, now);
      if (plan === null || plan.runs.length === 0) {
        this.busy.delete(task);
        if (plan !== null) missed += plan.missed;
        continue;
      }
      fired += plan.runs.length;
      missed += plan.missed;
      void this.fire(task, plan.runs, before);
    }
    if (fired + missed > 0)
      this.host.logger.log(catchUpSummary(taken.length, fired, missed));
  }

  /** Which missed due times run; records the others. */
  private plan(
    task: TaskState,
    after: number,
    before: number,
    now: number,
  ): { runs: number[]; missed: number } | null {
    const policy = task.def.catchUp ?? DEFAULT_CATCH_UP;
    const windowStart =
      now - (task.def.catchUpWindow ?? DEFAULT_CATCH_UP_WINDOW_MS);
    const limit = task.isPaused
      ? 0
      : policy === 'all'
        ? CATCH_UP_LIMIT
        : policy === 'latest'
          ? 1
          : 0;
    const found = missedDueTimes(
      () => this.fresh(task),
      after,
      before,
      limit + MISSED_RECORD_LIMIT,
    );
    if (found.total === 0) return null;
    const { newest } = found;
    let first = newest.length;
    while (first > 0 && newest.length - first < limit) {
      if (newest[first - 1] < windowStart) break;
      first--;
    }
    const runs = newest.slice(first);
    const records = newest.slice(0, first).slice(-MISSED_RECORD_LIMIT);
    for (const due of records) this.recordMissed(task, due);
    const missed = found.total - runs.length;
    if (missed > records.length)
      this.host.logger.warn(
        missedNotRecorded(
          task.name,
          missed - records.length,
          found.exact,
          records.length,
        ),
      );
    return { runs, missed };
  }

  private recordMissed(task: TaskState, due: number): void {
    const { history, coordinator } = this.host;
    history.add(task, due, NaN, NaN, 'missed', missedReason);
    coordinator!.recordRun?.(task.name, due, NaN, NaN, 'missed', missedReason);
  }

  /** Fires the due times one after the other, each through its claim and the overlap policy. */
  private async fire(
    task: TaskState,
    dues: readonly number[],
    before: number,
  ): Promise<void> {
    const host = this.host;
    try {
      for (let i = 0; i < dues.length; i++) {
        if (host.phase !== 'running' || task.removed) return;
        const due = dues[i];
        const period = (i + 1 < dues.length ? dues[i + 1] : before) - due;
        let answer;
        try {
          answer = await host.coordinator!.claim(task.name, due, period, true);
        } catch (error) {
          host.claims.coordinatorFailed(error);
          return;
        }
        if (host.phase !== 'running' || task.removed) {
          // A won claim took the running mark: a removed task gives it back.
          if (answer === true && task.removed) host.claims.releaseMark(task);
          return;
        }
        if (answer !== true) {
          skipUnclaimed(host, task, due, answer);
          continue;
        }
        host.claims.coordinatorAnswered();
        await new Promise<boolean>((settle) =>
          host.runRequested(task, due, new BackfillWaiter(task.name, settle)),
        );
      }
    } catch (error) {
      host.reportError(error);
    } finally {
      this.busy.delete(task);
    }
  }
}
