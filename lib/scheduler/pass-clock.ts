import { PASS_CLOCK_RUNS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';

/**
 * The clock reading the runs of one dispatch pass share as their start time:
 * read at the pass's start and again every `PASS_CLOCK_RUNS` runs (a clock
 * read costs as much as a fifth of a whole synchronous run).
 */
export class PassClock {
  private time = NaN;
  private runs = 0;

  /** @param host the scheduler, whose clock is read every `PASS_CLOCK_RUNS` runs */
  constructor(private readonly host: Pick<SchedulerInternals, 'clock'>) {}

  /** A pass starts at `now` (the reading its wake-up made). */
  begin(now: number): void {
    this.time = now;
    this.runs = 0;
  }

  /** The start time of the pass's next run. */
  runStart(): number {
    if ((++this.runs & (PASS_CLOCK_RUNS - 1)) === 0)
      this.time = this.host.clock.timestamp();
    return this.time;
  }
}
