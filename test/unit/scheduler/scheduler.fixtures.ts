import { Clock, type TimerHandle } from '../../../lib/clock/clock';
import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import type { TaskEvent } from '../../../lib/interfaces/task-event.interface';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import {
  Scheduler,
  type SchedulerOptions,
} from '../../../lib/scheduler/scheduler';
import type {
  SchedulerLogger,
  TaskDefinition,
} from '../../../lib/scheduler/task-definition';

/** 2024-03-31T11:00:00Z, the instant every scheduler test starts at. */
export const T0 = Date.parse('2024-03-31T11:00:00Z');

/** A logger that keeps what it was told. */
export class MemoryLogger implements SchedulerLogger {
  readonly lines: {
    level: 'log' | 'warn' | 'error';
    message: string;
    stack?: string;
  }[] = [];
  log(message: string): void {
    this.lines.push({ level: 'log', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string, stack?: string): void {
    this.lines.push({ level: 'error', message, stack });
  }
  messages(level?: 'log' | 'warn' | 'error'): string[] {
    return this.lines
      .filter((line) => level === undefined || line.level === level)
      .map((line) => line.message);
  }
}

/** A promise with its settle functions exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A task definition with defaults (group `G`). */
export function task(
  name: string,
  trigger: TriggerSpec,
  invoke: (ctx: TaskContext) => unknown = () => undefined,
  extra: Partial<TaskDefinition> = {},
): TaskDefinition {
  return { name, group: 'G', trigger, invoke, ...extra };
}

/** A scheduler on a VirtualClock at T0, with its logger and every event it emits. */
export function setup(options: Partial<SchedulerOptions> = {}) {
  const clock =
    (options.clock as VirtualClock | undefined) ??
    new VirtualClock(new Date(T0));
  const logger = new MemoryLogger();
  const scheduler = new Scheduler({
    clock,
    logger,
    timeZone: 'UTC',
    ...options,
  });
  const events: TaskEvent[] = [];
  scheduler.events$.subscribe((event) => events.push(event));
  /** Offsets from T0 (ms) of the events of one type (and task). */
  const offsets = (type: TaskEvent['type'], name?: string): number[] =>
    events
      .filter((e) => e.type === type && (name === undefined || e.name === name))
      .map((e) => e.scheduledAt.getTime() - T0);
  return { clock, logger, scheduler, events, offsets };
}

/** Resolves after `ms` of the given clock's time. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}

/**
 * A clock the test drives by hand: `set` moves time without firing anything,
 * `fire` runs the armed timers whose target has come — or, with `early`, the
 * earliest one regardless (as a Node timer waking a millisecond early would).
 */
export class ManualClock extends Clock {
  private current: number;
  private readonly timers = new Map<
    object,
    { callback: () => void; due: number }
  >();

  constructor(start: number) {
    super();
    this.current = start;
  }
  timestamp(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const handle = {};
    this.timers.set(handle, {
      callback,
      due: this.current + Math.max(0, delayMs),
    });
    return handle;
  }
  defer(callback: () => void): TimerHandle {
    return this.setTimer(callback, 0);
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as object);
  }
  armed(): number[] {
    return [...this.timers.values()].map((t) => t.due).sort((a, b) => a - b);
  }
  fire(early = false): number {
    const due = [...this.timers.entries()]
      .filter(([, t]) => early || t.due <= this.current)
      .sort((a, b) => a[1].due - b[1].due)
      .slice(0, early ? 1 : undefined);
    for (const [handle, timer] of due) {
      this.timers.delete(handle);
      timer.callback();
    }
    return due.length;
  }
}

/** Resolves after `ms` of the clock's time; rejects with the signal's reason when it is aborted. */
export function abortableSleep(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const handle = clock.setTimer(resolve, ms);
    signal.addEventListener('abort', () => {
      clock.clearTimer(handle);
      reject(signal.reason);
    });
  });
}
