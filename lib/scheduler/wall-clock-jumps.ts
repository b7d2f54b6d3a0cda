import { wallClockJumped } from '../aioclock.messages';
import type { ClockJump } from '../interfaces/clock-jump.interface';
import { WALL_JUMP_MIN_MS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import { NOT_QUEUED } from './timer-queue';

type WallClockJumpsHost = Pick<
  SchedulerInternals,
  'clock' | 'logger' | 'coordinator' | 'tasks' | 'enqueue' | 'unqueue'
>;

/**
 * Notices steps of the wall clock (NTP corrections, VM restores) on each
 * wake-up, by comparing elapsed wall time with elapsed monotonic time
 * (`Clock.monotonic`), and moves the queued due times: an `every` task keeps
 * its rhythm in elapsed time (its due time moves with the step), a wall-time
 * task (`at`, `cron`, an `or`, an `every` aligned to the epoch under a
 * coordinator) is recomputed from the new wall time after a step back; after
 * a step forward its passed due time is late and runs once, as after any
 * late wake-up. Logs one warning per step. Reached once per wake-up.
 */
export class WallClockJumps {
  /** The latest step noticed, or `null`. */
  last: ClockJump | null = null;
  private wall = NaN;
  private mono = NaN;

  /** @param host the scheduler */
  constructor(private readonly host: WallClockJumpsHost) {}

  /** Takes the readings later wake-ups are compared with (at start). */
  reset(now: number): void {
    this.wall = now;
    this.mono = this.host.clock.monotonic();
  }

  /**
   * On a wake-up at wall time `now`: handles a step since the last reading.
   * @returns whether the wall clock was stepped
   */
  check(now: number): boolean {
    const mono = this.host.clock.monotonic();
    const elapsed = mono - this.mono;
    const jump = now - this.wall - elapsed;
    this.wall = now;
    this.mono = mono;
    if (!(Math.abs(jump) >= WALL_JUMP_MIN_MS + Math.abs(elapsed) / 1_000))
      return false;
    this.last = { at: new Date(now), jumpMs: jump };
    this.host.logger.warn(wallClockJumped(jump));
    this.requeue(jump, now);
    return true;
  }

  private requeue(jump: number, now: number): void {
    const host = this.host;
    const aligned = host.coordinator?.alignsToEpoch === true;
    for (const task of host.tasks.values()) {
      const queued = task.queuedDue;
      if (queued === NOT_QUEUED) continue;
      const type = task.def.trigger.type;
      let due: number | null = null;
      if (type === 'every' && !aligned) {
        due = queued + jump;
        if (!Number.isNaN(task.cursor)) task.cursor += jump;
      } else if (task.trigger.rebase !== undefined) {
        // An `or`: its members move one by one, each keeping its count.
        due = task.trigger.rebase(jump, now);
      } else if (jump < 0 && type !== 'once') {
        // Triggers that count their runs (`receipt`) would lose the count.
        if (task.trigger.receipt !== undefined) continue;
        due = task.trigger.first(now);
      }
      if (due === null || due === queued) continue;
      host.unqueue(task);
      host.enqueue(task, due);
    }
  }
}
