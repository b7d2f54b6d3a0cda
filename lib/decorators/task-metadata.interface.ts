import type { TaskOptions } from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';

/** What a trigger decorator stores on a method under `AIOCLOCK_TASK`. */
export interface TaskMetadata {
  spec: TriggerSpec;
  options: TaskOptions;
  /** The decorator's name, for error messages (`Every`, `Cron`…). */
  decorator: string;
}
