/** Runs of a task, then it is finished. An integer >= 1. */
export interface LoopCountParams {
  /** Exactly this many runs, then the task is finished. Integer >= 1. @default unlimited */
  maxLoopCount?: number;
}

/** Parameters of `@Every`. Units add up; at least one, total > 0. */
export interface EveryParams extends LoopCountParams {
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
  weeks?: number;
  /**
   * `'wait'`: the first run is one interval after start; `'immediate'`: at start.
   * @default 'wait'
   */
  firstRunStrategy?: 'wait' | 'immediate';
}

/** The day an `@At` trigger fires on. */
export type AtDay =
  | 'every day'
  | 'every monday'
  | 'every tuesday'
  | 'every wednesday'
  | 'every thursday'
  | 'every friday'
  | 'every saturday'
  | 'every sunday';

/** Parameters of `@At`: a wall-clock time in a zone, on a day. */
export interface AtParams extends LoopCountParams {
  /** 0–59. @default 0 */
  second?: number;
  /** 0–59. @default 0 */
  minute?: number;
  /** 0–23. @default 0 */
  hour?: number;
  /** @default 'every day' */
  at?: AtDay;
  /** IANA zone. @default the module's `timeZone` */
  tz?: string;
}

/** Parameters of `@Cron` in object form. */
export interface CronParams extends LoopCountParams {
  /** 5 fields, or 6 with seconds first; names, ranges, steps, `L`, `#`, `@daily`… */
  cron: string;
  /** IANA zone. @default the module's `timeZone` */
  tz?: string;
}

/** Parameters of `@Forever`. */
export type ForeverParams = LoopCountParams;

/** Parameters of `@OrTrigger`. */
export type OrParams = LoopCountParams;
