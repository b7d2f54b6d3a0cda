import { type Observable, Subject } from 'rxjs';
import type { Clock } from '../clock/clock';
import type {
  TaskEvent,
  TaskEventType,
} from '../interfaces/task-event.interface';
import type { RunContext } from './run-context';
import type { TaskState } from './task-state';

/**
 * The scheduler's `events$`. An event is built only while someone subscribes
 * (`observed`; the registry hands this stream out as it is), so an app where
 * nobody listens pays one check per run, not an object and two Dates.
 */
export class TaskEvents {
  /** Every `scheduled`, `started`, `succeeded`, `failed` and `skipped` event. */
  readonly events$: Observable<TaskEvent>;
  private readonly subject = new Subject<TaskEvent>();

  /** @param clock stamps each event's `at` */
  constructor(private readonly clock: Clock) {
    this.events$ = this.subject.asObservable();
  }

  /** Someone subscribes: events are worth building. */
  get observed(): boolean {
    return this.subject.observed;
  }

  /**
   * Sends one event (callers check `observed` first).
   * @param type what happened
   * @param task the task it happened to
   * @param due the due time it concerns, epoch ms
   * @param error a failure's cause
   * @param reason a skip's reason
   * @param run the run's context: its `attempt` and `catchUp` are shown when not the default
   */
  emit(
    type: TaskEventType,
    task: TaskState,
    due: number,
    error?: unknown,
    reason?: string,
    run?: RunContext,
  ): void {
    const event: TaskEvent = {
      type,
      name: task.name,
      group: task.group.name,
      scheduledAt: new Date(due),
      at: this.clock.now(),
    };
    if (type === 'failed') event.error = error;
    if (reason !== undefined) event.reason = reason;
    if (run !== undefined && (run.attempt > 1 || task.policies?.retry))
      event.attempt = run.attempt;
    if (run?.catchUp === true) event.catchUp = true;
    this.subject.next(event);
  }
}
