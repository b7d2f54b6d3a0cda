import type { ReplicaReport } from './cluster.replica';

/** What the replicas' reports say about a window: lateness, exactly-once, balance. */
export interface ReplicaRuns {
  runs: number;
  late: { p50: number; p99: number; max: number };
  /** Due times in the checked range run other than exactly once. */
  missed: number;
  doubled: number;
  runsPerReplica: Record<string, number>;
  /** max / min of runsPerReplica. */
  balance: number;
  failed: number;
}

/** The p-quantile of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

const round = (value: number, digits = 2) =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Tallies the runs whose due time is in [countFrom, countTo] and checks
 * that each of the `tasks` ran exactly once at every whole second in
 * [checkFrom, checkTo).
 */
export function tallyReplicaRuns(
  reports: readonly ReplicaReport[],
  tasks: number,
  range: {
    countFrom: number;
    countTo: number;
    checkFrom: number;
    checkTo: number;
  },
): ReplicaRuns {
  const late: number[] = [];
  const seen = new Map<number, number>();
  const runsPerReplica: Record<string, number> = {};
  let runs = 0;
  let failed = 0;
  for (const report of reports) {
    failed += report.failed;
    let mine = 0;
    for (let i = 0; i < report.due.length; i++) {
      const due = report.due[i];
      if (due < range.countFrom || due > range.countTo) continue;
      runs++;
      mine++;
      late.push(report.lateMs[i]);
      const key = report.task[i] * 1e13 + due;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    runsPerReplica[report.replica] = mine;
  }
  late.sort((a, b) => a - b);
  let missed = 0;
  let doubled = 0;
  const firstDue = Math.ceil(range.checkFrom / 1_000) * 1_000;
  for (let due = firstDue; due < range.checkTo; due += 1_000)
    for (let t = 0; t < tasks; t++) {
      const count = seen.get(t * 1e13 + due) ?? 0;
      if (count === 0) missed++;
      else if (count > 1) doubled += count - 1;
    }
  const shares = Object.values(runsPerReplica);
  return {
    runs,
    late: {
      p50: round(percentile(late, 0.5)),
      p99: round(percentile(late, 0.99)),
      max: round(late[late.length - 1] ?? NaN),
    },
    missed,
    doubled,
    runsPerReplica,
    balance: round(Math.max(...shares) / Math.min(...shares)),
    failed,
  };
}
