/** Options of the group a feature module forms, given to `AioClockModule.forFeature`. */
export interface GroupOptions {
  /** @default the module's class name */
  name?: string;
  /** Default timeout (ms) for the group's tasks. @default none */
  timeout?: number;
  /** How many of the group's tasks may run at once. @default unlimited */
  concurrency?: number;
  /** `false` lists the group's tasks but fires none. @default true */
  enabled?: boolean;
}
