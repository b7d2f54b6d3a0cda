import type { TaskContext } from '../interfaces/task-context.interface';

/**
 * A run's due time, start time (epoch ms), replica and try. The runs of one
 * dispatch pass that start at the same clock reading share one, so that a
 * context holds three references instead of nine fields: with 100 000 tasks
 * due together, each context is a fresh 48 bytes, not 96, written to memory
 * in the middle of the pass.
 */
export class RunTimes {
  /**
   * @param scheduledMs the due time the run is for
   * @param startedMs when it started
   * @param replica the id of the replica running it
   * @param attempt which try for this due time, from 1 (retries)
   * @param catchUp a run of a passed due time (backfill)
   */
  constructor(
    readonly scheduledMs: number,
    readonly startedMs: number,
    readonly replica: string,
    readonly attempt = 1,
    readonly catchUp = false,
  ) {}
}

/** What a context reads from its task: its name and its group's (the scheduler's `TaskState`). */
export interface RunOwner {
  readonly name: string;
  readonly group: { readonly name: string };
}

/** A context's parts made on first read: most runs never ask for them. */
class LateParts {
  scheduled: Date | undefined = undefined;
  started: Date | undefined = undefined;
  controller: AbortController | undefined = undefined;
}

/**
 * The `TaskContext` one run receives. Its fields are read through its task
 * and its `RunTimes`; its Dates and the `AbortController` behind `signal`
 * are made on first read (or abort): a run that never looks at them costs
 * none of them — a Date is ~100 bytes, 10 000 tasks due together make one each.
 */
export class RunContext implements TaskContext {
  readonly #task: RunOwner;
  readonly #times: RunTimes;
  #late: LateParts | undefined = undefined;

  /**
   * @param task the task it runs
   * @param times the due time the run is for, when it starts, where, which try
   */
  constructor(task: RunOwner, times: RunTimes) {
    this.#task = task;
    this.#times = times;
  }

  /** The task's unique name. */
  get name(): string {
    return this.#task.name;
  }

  /** The task's group. */
  get group(): string {
    return this.#task.group.name;
  }

  /** The id of the replica running it. */
  get replica(): string {
    return this.#times.replica;
  }

  /** Which try for this due time, from 1; set by the retry policy. */
  get attempt(): number {
    return this.#times.attempt;
  }

  /** A run of a passed due time (backfill). */
  get catchUp(): boolean {
    return this.#times.catchUp;
  }

  /** The due time this run was fired for (for a manual run: when it was asked for). */
  get scheduledAt(): Date {
    return (this.#parts.scheduled ??= new Date(this.#times.scheduledMs));
  }

  /** When this run actually started; the Date is made on first read (most runs never ask). */
  get startedAt(): Date {
    return (this.#parts.started ??= new Date(this.#times.startedMs));
  }

  /** What `JSON.stringify` shows: the fields, dates included (they are getters, which it would skip). */
  toJSON(): Omit<TaskContext, 'signal'> {
    return {
      name: this.name,
      group: this.group,
      scheduledAt: this.scheduledAt,
      startedAt: this.startedAt,
      replica: this.replica,
      attempt: this.attempt,
      catchUp: this.catchUp,
    };
  }

  /** What `console.log(ctx)` shows: the same fields (they are getters, which it would not show). */
  [Symbol.for('nodejs.util.inspect.custom')](): Omit<TaskContext, 'signal'> {
    return this.toJSON();
  }

  /** Aborted on timeout, on `cancelOther`, and when shutdown gives up waiting. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Aborts `signal` with `reason` (the first reason wins). */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /** The parts made on first use, made now if this is the first. */
  get #parts(): LateParts {
    return (this.#late ??= new LateParts());
  }

  get #controller(): AbortController {
    return (this.#parts.controller ??= new AbortController());
  }
}
