import { type Observable, Subject } from 'rxjs';
import type { Clock } from '../clock/clock';
import type {
  TaskEvent,
  TaskEventType,
} from '../interfaces/task-event.interface';
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
   * @param run the run's context or waiter: its `attempt` (shown for a task with `retry`) and `catchUp`
   */
  emit(
    type: TaskEventType,
    task: TaskState,
    due: number,
    error?: unknown,
    reason?: string,
    run?: { readonly attempt?: number; readonly catchUp?: boolean } | null,
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
    if (type !== 'scheduled' && type !== 'skipped') {
      const attempt = run?.attempt ?? 1;
      if (attempt > 1 || task.policies?.retry != null) event.attempt = attempt;
      if (run?.catchUp === true) event.catchUp = true;
    }
    this.subject.next(event);
  }
}
