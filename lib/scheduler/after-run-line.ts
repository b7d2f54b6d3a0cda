import { Fifo } from './fifo';
import type { GroupAdmission } from './group-admission';
import type { OverlapPolicies } from './overlap-policies';
import type { SchedulerInternals } from './scheduler-internals';
import type { TaskState } from './task-state';

type AfterRunLineHost = Pick<
  SchedulerInternals,
  'forever' | 'maybeFinish' | 'inFlight' | 'idleWaiter' | 'reportError'
>;

/**
 * Tasks whose run ended while something waited behind it (a group's line, a
 * buffered run, the next forever run), worked off in a loop. Not reentrant:
 * a run started here that ends at once (a synchronous task) only joins the
 * line, so a long line of such runs never recurses deeply. Reached only when
 * something waits; built once per scheduler.
 */
export class AfterRunLine {
  /** The loop below is running: an ended run only joins the line. */
  draining = false;
  private readonly ended = new Fifo<TaskState>();

  /**
   * @param host the scheduler
   * @param groupSlots the scheduler's group admission
   * @param overlap the scheduler's overlap policies
   */
  constructor(
    private readonly host: AfterRunLineHost,
    private readonly groupSlots: GroupAdmission,
    private readonly overlap: OverlapPolicies,
  ) {}

  /** Starts what waited behind `task`'s run, and behind any run that ends meanwhile. */
  push(task: TaskState): void {
    this.ended.push(task);
    if (this.draining) return;
    this.draining = true;
    const host = this.host;
    try {
      for (
        let next = this.ended.shift();
        next !== undefined;
        next = this.ended.shift()
      ) {
        try {
          this.groupSlots.admitWaiting(next);
          this.overlap.startBuffered(next);
          if (next.kind === 'forever') host.forever.arm(next);
          host.maybeFinish(next);
          if (host.inFlight === 0 && host.idleWaiter !== null)
            host.idleWaiter();
        } catch (error) {
          host.reportError(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
