import type { ClusterListener } from '../coordination/coordinator.interface';
import type { SchedulerInternals } from './scheduler-internals';
import type { TaskState } from './task-state';

type ClusterListenerHost = Pick<
  SchedulerInternals,
  'tasks' | 'claims' | 'runPolicies' | 'reportError'
>;

/**
 * What a durable coordinator hears from the other replicas, applied to this
 * scheduler's tasks: a `cancelOther` owner's cancel, a cluster-wide pause or
 * resume (`pauseOnFailure`), the end of a run others hold due times for.
 * Unknown task names are ignored (rolling deploys); nothing thrown here
 * reaches the coordinator.
 */
export class SchedulerClusterListener implements ClusterListener {
  /**
   * @param host the scheduler
   * @param cancel aborts the task's run in flight here (see `OverlapPolicies.cancelForCluster`)
   */
  constructor(
    private readonly host: ClusterListenerHost,
    private readonly cancel: (task: TaskState) => void,
  ) {}

  cancelRequested(name: string): void {
    this.apply(name, (task) => {
      if (task.overlap === 'cancelOther') this.cancel(task);
    });
  }

  pauseChanged(name: string, reason: string | null): void {
    this.apply(name, (task) => {
      if (reason !== null) this.host.runPolicies.pausedElsewhere(task, reason);
      else this.host.runPolicies.resumedElsewhere(task);
    });
  }

  runEndedElsewhere(name: string): void {
    this.apply(name, (task) => this.host.claims.held.runEndedElsewhere(task));
  }

  private apply(name: string, change: (task: TaskState) => void): void {
    const task = this.host.tasks.get(name);
    if (task === undefined) return;
    try {
      change(task);
    } catch (error) {
      this.host.reportError(error);
    }
  }
}
