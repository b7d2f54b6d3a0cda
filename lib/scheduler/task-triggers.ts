import {
  inTask,
  invalidOption,
  jitterNotBelowPeriod,
} from '../aioclock.messages';
import type { Clock } from '../clock/clock';
import type { Coordinator } from '../coordination/coordinator.interface';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import { createTrigger, validateTriggerSpec } from '../triggers/create-trigger';
import type { Trigger } from '../triggers/trigger';
import { shortestPeriodMs } from './due-jitter';
import { RunWindow } from './run-window';
import type { TaskDefinition } from './task-definition';
import { windowOf } from './task-policies';
import type { TaskKind, TaskState } from './task-state';

/** How the scheduler drives a task with this trigger type. */
export function kindOf(type: string): TaskKind {
  if (type === 'forever' || type === 'startup' || type === 'shutdown')
    return type;
  return 'timed';
}

/**
 * Makes tasks' triggers in the scheduler's zone (aligned to the epoch under a
 * coordinator that asks for it): validated, under the task's `startAt` /
 * `endAt` window, its `jitter` checked against its period. Setup only
 * (`addTask`, `reschedule`, backfill, missed catch-up), never per run.
 */
export class TaskTriggers {
  /**
   * @param timeZone the scheduler's default zone
   * @param coordinator says whether due times align to the epoch
   * @param clock for the period `jitter` is checked against
   */
  constructor(
    private readonly timeZone: string,
    private readonly coordinator: Coordinator | undefined,
    private readonly clock: Clock,
  ) {}

  /**
   * The task's trigger, validated, under its window; its `jitter` checked.
   * @throws InvalidTriggerError (message prefixed with the task name)
   */
  of(def: TaskDefinition, kind: TaskKind): Trigger {
    let trigger: Trigger;
    try {
      validateTriggerSpec(def.trigger, this.timeZone);
      trigger = this.plain(def.trigger);
    } catch (error) {
      if (!(error instanceof InvalidTriggerError)) throw error;
      const prefix = inTask(def.name, '');
      const message = error.message.startsWith(prefix)
        ? error.message
        : inTask(def.name, error.message);
      throw new InvalidTriggerError(message, error.parameter, error.value);
    }
    const window = kind === 'timed' ? windowOf(def) : null;
    if (window !== null)
      trigger = new RunWindow(trigger, window.start, window.end);
    if (def.jitter !== undefined && def.jitter > 0)
      this.checkJitter(def, def.jitter);
    return trigger;
  }

  /** A trigger for a valid spec that nothing else uses, without a window. */
  plain(spec: TaskDefinition['trigger']): Trigger {
    return createTrigger(spec, {
      timeZone: this.timeZone,
      alignToEpoch: this.coordinator?.alignsToEpoch === true,
    });
  }

  /** A trigger for the task's spec (and window) that nothing else uses. */
  fresh(task: TaskState): Trigger {
    const trigger = this.plain(task.def.trigger);
    return task.trigger instanceof RunWindow
      ? new RunWindow(trigger, task.trigger.start, task.trigger.end)
      : trigger;
  }

  /** `jitter` must stay below the task's period, or a jittered run could start after the next due time. */
  private checkJitter(def: TaskDefinition, jitter: number): void {
    const period = shortestPeriodMs(
      def.trigger,
      () => createTrigger(def.trigger, { timeZone: this.timeZone }),
      this.clock.timestamp(),
    );
    if (period !== null && jitter >= period)
      throw new InvalidTriggerError(
        invalidOption(def.name, 'jitter', jitter, jitterNotBelowPeriod(period)),
        'jitter',
        jitter,
      );
  }
}
