/** What happens when a run is due while the previous run of the same task is still going. */
export type OverlapPolicy =
  'skip' | 'bufferOne' | 'bufferAll' | 'cancelOther' | 'allow';

/** Options every trigger decorator takes as its last argument. */
export interface TaskOptions {
  /** Unique task name. @default 'Class.method' */
  name?: string;
  /** Milliseconds before the run's `signal` is aborted and the run counts as failed. @default the group's timeout, else none */
  timeout?: number;
  /** @default 'skip' */
  overlap?: OverlapPolicy;
  /** `false` lists the task but never fires it. @default true */
  enabled?: boolean;
}
