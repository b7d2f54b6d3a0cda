import type { TaskContext } from '../interfaces/task-context.interface';

/** A `@ScheduleHandler` method, as discovery hands it to the schedules. */
export interface ScheduleHandlerDefinition {
  /** Its name (`Class.method` unless renamed), which schedules refer to. */
  readonly name: string;
  /** The group (feature module) of its provider: its schedules' tasks belong to it. */
  readonly group: string;
  /** Calls the method, late-bound, with a schedule's payload. */
  invoke(payload: unknown, ctx: TaskContext): unknown;
}
