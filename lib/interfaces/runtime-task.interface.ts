import type { TaskDecorator } from '../decorators/task-decorator';
import type { TaskContext } from './task-context.interface';
import type { TaskOptions } from './task-options.interface';
import type { TriggerSpec } from './trigger-spec.interface';

/** What `registry.addTask` takes: a task made at run time, in this process only. */
export interface AddTaskOptions extends Omit<TaskOptions, 'name'> {
  /** Unique task name (names starting with `schedule:` are reserved for durable schedules). */
  name: string;
  /** What a trigger decorator factory returns (`Every({ seconds: 5 })`) or a `TriggerSpec`. */
  trigger: TaskDecorator | TriggerSpec;
  /** Called for each run; may return a promise. */
  run: (ctx: TaskContext) => unknown;
  /** The group it belongs to (a feature module's name, or any). @default 'default' */
  group?: string;
}
