import type { TimerHandle } from '../clock/clock';
import {
  WARM_UP_DELAY_MS,
  WARM_UP_LEAD_MS,
  WARM_UP_MIN_TASKS,
  WARM_UP_RINGS_MARGIN_MS,
  WARM_UP_ROUNDS,
  WARM_UP_SHORT_LEAD_MS,
  WARM_UP_SHORT_ROUNDS,
  WARM_UP_SHORT_TASKS,
  WARM_UP_TASKS,
} from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import type { TaskDefinition } from './task-definition';
import type { TaskState } from './task-state';
import type { TimerQueue } from './timer-queue';

/** What the warm-up drives on a throw-away scheduler: its queue, by hand. */
export type WarmUpTarget = Pick<SchedulerInternals, 'addTask' | 'phase'> & {
  readonly queue: TimerQueue<TaskState>;
  /** Fired by hand: never arms a timer. */
  warming: boolean;
  /** Puts every task on its schedule; returns how many are timed. */
  scheduleAll(now: number): number;
  /** Fires everything due at or before `now`. */
  dispatch(now: number): void;
};

type DispatchWarmUpHost = Pick<
  SchedulerInternals,
  'clock' | 'tasks' | 'phase' | 'reportError' | 'history'
> & {
  readonly queue: TimerQueue<TaskState>;
  /** A scheduler sharing this one's clock, logger and zone, and nothing else. */
  throwAwayScheduler(): WarmUpTarget;
};

/**
 * With thousands of tasks due together, the first due time otherwise runs
 * while V8 is still interpreting the dispatch path (several times slower than
 * the later ones). Right after start, when time allows, the warm-up fires
 * no-op copies of the first timed tasks (same classes, same kinds of trigger,
 * made by the explorer) on a throw-away scheduler, so V8 has seen those
 * classes and compiled the path before the first real due time. It also
 * opens each timed task's history ring, so the first due time does not pay
 * for that memory's first touch (~0.3 µs a task).
 */
export class DispatchWarmUp {
  /** The deferred warm-up after start, while pending. */
  private handle: TimerHandle | null = null;

  /**
   * @param host the scheduler
   * @param noopTask makes a no-op copy of a task definition; none: no warm-up after start
   */
  constructor(
    private readonly host: DispatchWarmUpHost,
    private readonly noopTask:
      | ((
          like: TaskDefinition,
          name: string,
          index: number,
        ) => TaskDefinition | null)
      | undefined,
  ) {}

  /** Arms the warm-up after start when there are enough timed tasks for it to matter. */
  armAfterStart(timedTasks: number): void {
    if (this.noopTask === undefined || timedTasks < WARM_UP_MIN_TASKS) return;
    this.handle = this.host.clock.setTimer(
      () => this.afterStart(),
      WARM_UP_DELAY_MS,
    );
  }

  /** Cancels a pending warm-up (at stop). */
  cancel(): void {
    if (this.handle !== null) this.host.clock.clearTimer(this.handle);
    this.handle = null;
  }

  /**
   * Runs the dispatch path (fire, start, end, re-queue) `rounds` times over
   * `defs` on a throw-away scheduler fired by hand: no timer, no event,
   * nothing of this scheduler touched. `defs` must be no-op tasks of the same
   * class as the real ones, with the same kinds of trigger.
   */
  fire(defs: readonly TaskDefinition[], rounds: number): void {
    const warm = this.host.throwAwayScheduler();
    warm.warming = true;
    for (const def of defs) warm.addTask(def);
    warm.phase = 'running';
    warm.scheduleAll(this.host.clock.timestamp());
    for (let round = 0; round < rounds; round++) {
      const due = warm.queue.peekDue();
      if (due === null) break;
      warm.dispatch(due);
    }
    warm.phase = 'stopped';
    warm.queue.clear();
  }

  /**
   * No-op copies of the first timed tasks, if the first due time is far
   * enough; fewer of them, fewer times, if it is a little nearer.
   */
  private afterStart(): void {
    this.handle = null;
    const host = this.host;
    const due = host.queue.peekDue();
    if (host.phase !== 'running' || due === null) return;
    const lead = due - host.clock.timestamp();
    if (lead < WARM_UP_SHORT_LEAD_MS) return;
    const short = lead < WARM_UP_LEAD_MS;
    const count = short ? WARM_UP_SHORT_TASKS : WARM_UP_TASKS;
    // Only an optimisation: nothing in it may hurt the app.
    try {
      const defs: TaskDefinition[] = [];
      for (const task of host.tasks.values()) {
        if (task.kind !== 'timed') continue;
        const index = defs.length;
        const copy = this.noopTask!(
          task.def,
          `aioclock:warm-up:${index}`,
          index,
        );
        if (copy !== null) defs.push(copy);
        if (defs.length === count) break;
      }
      this.fire(defs, short ? WARM_UP_SHORT_ROUNDS : WARM_UP_ROUNDS);
      // Rings not opened in time open on their first record instead.
      let opened = 0;
      for (const task of host.tasks.values()) {
        if (task.kind !== 'timed') continue;
        host.history.prepare(task);
        if (
          ++opened % 1_024 === 0 &&
          host.clock.timestamp() > due - WARM_UP_RINGS_MARGIN_MS
        )
          break;
      }
    } catch (error) {
      host.reportError(error);
    }
  }
}
