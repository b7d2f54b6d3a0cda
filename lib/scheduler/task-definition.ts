import type { TaskContext } from '../interfaces/task-context.interface';
import type {
  OverlapPolicy,
  TaskOptions,
} from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';

/**
 * Everything the scheduler needs to run one task; built by the explorer. The
 * run policies (`retry`, `jitter`, `startAt`, `endAt`, `pauseOnFailure`) are
 * the validated `TaskOptions` as given.
 */
export interface TaskDefinition extends Pick<
  TaskOptions,
  | 'retry'
  | 'jitter'
  | 'startAt'
  | 'endAt'
  | 'pauseOnFailure'
  | 'catchUp'
  | 'catchUpWindow'
> {
  /** Unique name, `Class.method` unless renamed. */
  name: string;
  /** Group name; must have been added with `Scheduler.addGroup` or gets defaults. */
  group: string;
  /** A validated trigger spec. */
  trigger: TriggerSpec;
  /** Calls the method, late-bound. May return a promise. */
  invoke: (ctx: TaskContext) => unknown;
  /**
   * When `invoke` calls a method, the object it is called on and its name:
   * the scheduler then looks `target[methodKey]` up itself at each run
   * (still late-bound), and a run reaches one object fewer. Both or neither.
   */
  target?: object;
  methodKey?: string;
  /** ms; falls back to the group's timeout. */
  timeout?: number;
  /** @default 'skip' */
  overlap?: OverlapPolicy;
  /** @default true */
  enabled?: boolean;
  /** Added with `registry.addTask`: removing it forgets its durable state. */
  addedAtRunTime?: boolean;
}

/** A group of tasks: a Nest feature module. */
export interface GroupDefinition {
  name: string;
  timeout?: number;
  concurrency?: number;
  enabled?: boolean;
}

/** Where the engine reports run-time failures; Nest's `Logger` fits. */
export interface SchedulerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
}
