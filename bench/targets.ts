import type { ScenarioResult } from './bench.types';
import type { FloorResult } from './floor';
import { ms } from './table';

/** One target of issues 6 and 12 and what this run measured for it. */
export interface TargetCheck {
  target: string;
  met: boolean;
  measured: string;
}

/** Checks the targets against this run's results (rows absent from a filtered run are not checked). */
export function evaluateTargets(
  results: ScenarioResult[],
  floor: FloorResult[] = [],
): TargetCheck[] {
  const floorP99 = (n: number): string => {
    const f = floor.find((r) => r.n === n);
    if (f === undefined || 'skipped' in f) return '';
    return (
      `; floor p99 ${f.p99} ms` +
      (f.perDue ? `, warm ${f.perDue.afterFirst.p99} ms` : '') +
      (f.onPrototypes?.reflect
        ? `, warm on class prototypes with Reflect.get ${f.onPrototypes.reflect.afterFirst.p99} ms`
        : '')
    );
  };
  // Without each method's first (cold) run: see `ScenarioResult.latenessWarm`.
  const warm = (r: ScenarioResult): string =>
    ` (warm ${ms(r.latenessWarm.p99)} ms` +
    (r.memoryProbeMs
      ? `; memory probe before / after it ${r.memoryProbeMs.before} / ${r.memoryProbeMs.after} ms`
      : '') +
    ')';
  const find = (scenario: string, n: number, library: string) =>
    results.find(
      (r) =>
        r.spec.scenario === scenario &&
        r.spec.n === n &&
        r.spec.library === library,
    );
  const exact = (r: ScenarioResult) =>
    r.missed === 0 &&
    r.duplicated === 0 &&
    r.offGrid === 0 &&
    r.badAnchors === 0 &&
    r.runs === r.expected;
  const counts = (r: ScenarioResult) =>
    `${r.runs}/${r.expected} runs, ${r.missed} missed, ${r.duplicated} dup`;
  const checks: TargetCheck[] = [];

  const theirCron = find('cron', 10_000, '@nestjs/schedule');
  const theirInterval = find('interval', 10_000, '@nestjs/schedule');
  for (const kind of ['cron', 'interval']) {
    const ours = find(kind, 10_000, 'nestjs-aioclock');
    if (!ours) continue;
    const label = `10 000 × ${kind === 'cron' ? '@Cron' : '@Every'}`;
    const intervalP99 = theirInterval?.lateness.p99 ?? Infinity;
    checks.push({
      target: `${label}: lateness p99 ≤ 10 ms and ≤ @Interval's`,
      met: ours.lateness.p99 <= 10 && ours.lateness.p99 <= intervalP99,
      measured: `p99 ${ms(ours.lateness.p99)} ms${warm(ours)} (@Interval ${ms(theirInterval?.lateness.p99)} ms${floorP99(10_000)})`,
    });
    if (theirCron && theirInterval) {
      checks.push({
        target: `${label}: boot ≤ 1/10 of @nestjs/schedule cron boot and ≤ its @Interval boot`,
        met:
          ours.bootMs <= theirCron.bootMs / 10 &&
          ours.bootMs <= theirInterval.bootMs,
        measured: `${ms(ours.bootMs)} ms (their cron ${ms(theirCron.bootMs)} ms, /10 = ${ms(theirCron.bootMs / 10)}; @Interval ${ms(theirInterval.bootMs)} ms)`,
      });
    }
    if (theirInterval) {
      checks.push({
        target: `${label}: heap ≤ @Interval's`,
        met: ours.heapAfterInit <= theirInterval.heapAfterInit,
        measured: `${(ours.heapAfterInit / 2 ** 20).toFixed(1)} MB (@Interval ${(theirInterval.heapAfterInit / 2 ** 20).toFixed(1)} MB)`,
      });
    }
    checks.push({
      target: `${label}: zero missed or duplicated runs`,
      met: exact(ours),
      measured: counts(ours),
    });
  }

  for (const kind of ['interval', 'cron']) {
    const ours = find(kind, 100_000, 'nestjs-aioclock');
    if (!ours) continue;
    const label = `100 000 × ${kind === 'cron' ? '@Cron' : '@Every'}`;
    checks.push({
      target: `${label}: p99 ≤ 75 ms`,
      met: ours.lateness.p99 <= 75,
      measured: `p99 ${ms(ours.lateness.p99)} ms${warm(ours)}${floorP99(100_000)}`,
    });
    checks.push({
      target: `${label}: heap ≤ 1.5 KB per task`,
      met: ours.heapPerTask <= 1536,
      measured: `${ours.heapPerTask.toFixed(0)} B/task (heap after init − heap before the app, / N)`,
    });
    checks.push({
      target: `${label}: exact count`,
      met: exact(ours),
      measured: counts(ours),
    });
  }

  for (const kind of ['cron', 'interval']) {
    const ours = find(kind, 100, 'nestjs-aioclock');
    if (!ours) continue;
    checks.push({
      target: `100 × ${kind === 'cron' ? '@Cron' : '@Every'}: p50 ≤ 2 ms`,
      met: ours.lateness.p50 <= 2,
      measured: `p50 ${ms(ours.lateness.p50)} ms`,
    });
  }

  const drift = results.find(
    (r) => r.spec.scenario === 'drift' && r.spec.library === 'nestjs-aioclock',
  );
  if (drift) {
    const theirs = results.find(
      (r) =>
        r.spec.scenario === 'drift' && r.spec.library === '@nestjs/schedule',
    );
    // Fixed rate: the last run is as late as any single run (timer resolution), nothing accumulates.
    checks.push({
      target: `drift: 0 ms accumulated after ${drift.spec.runs} runs (fixed rate)`,
      met:
        drift.lastRunOffsetMs !== undefined &&
        drift.lastRunOffsetMs <= 2 &&
        exact(drift),
      measured:
        `run ${drift.spec.runs} at +${ms(drift.lastRunOffsetMs)} ms from ideal (any run: p50 ${ms(drift.lateness.p50)}, max ${ms(drift.lateness.max)} ms); ` +
        `@Interval: +${ms(theirs?.lastRunOffsetMs)} ms`,
    });
  }
  return checks;
}
