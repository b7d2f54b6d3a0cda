import type { ClaimResult, ScenarioResult, ScenarioSpec } from './bench.types';

/** The decorator a row measures, as a user would write it. */
export function decoratorLabel(spec: ScenarioSpec): string {
  if (spec.kind === 'cron') return "@Cron('* * * * * *')";
  return spec.library === 'nestjs-aioclock'
    ? `@Every({ seconds: ${spec.periodMs / 1000} })`
    : `@Interval(${spec.periodMs})`;
}

/** ms with a precision that suits its size. */
export function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  return abs < 10
    ? value.toFixed(2)
    : abs < 100
      ? value.toFixed(1)
      : value.toFixed(0);
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const thousands = (n: number): string =>
  n.toLocaleString('en-US').replace(/,/g, ' ');

/** One markdown table: every scenario row, then the claim cost. */
export function renderTable(
  results: ScenarioResult[],
  claim: ClaimResult,
): string {
  const header = [
    'scenario',
    'N',
    'library',
    'decorator',
    'boot ms',
    'heap MB',
    'heap B/task',
    'late p50 ms',
    'p99 ms',
    'p99 warm ms',
    'max ms',
    'runs / expected',
    'missed',
    'dup',
    'note',
  ];
  const rows = results.map((r) => {
    const notes: string[] = [];
    if (r.lastRunOffsetMs !== undefined || r.spec.runs !== undefined) {
      notes.push(
        `run ${r.spec.runs}: ${r.lastRunOffsetMs === undefined ? 'never ran' : `+${ms(r.lastRunOffsetMs)} ms`} from ideal`,
      );
      notes.push(`body: ${r.spec.bodyBusyMs} ms busy`);
    }
    if (r.offGrid) notes.push(`${r.offGrid} runs off the due-time grid`);
    if (r.badAnchors)
      notes.push(`${r.badAnchors} tasks started outside bootstrap`);
    notes.push(...r.notes);
    return [
      r.spec.scenario,
      thousands(r.spec.n),
      r.spec.library,
      decoratorLabel(r.spec),
      ms(r.bootMs),
      mb(r.heapAfterInit),
      // With a handful of tasks the app itself dominates: per task means nothing.
      r.spec.n >= 100 ? r.heapPerTask.toFixed(0) : '–',
      ms(r.lateness.p50),
      ms(r.lateness.p99),
      ms(r.latenessWarm.p99),
      ms(r.lateness.max),
      `${thousands(r.runs)} / ${thousands(r.expected)}`,
      String(r.missed),
      String(r.duplicated),
      notes.join('; '),
    ];
  });
  const claimNote = claim.skipped
    ? `skipped: ${claim.skipped}`
    : `won claim: median ${ms(claim.medianMs)} ms, p99 ${ms(claim.p99Ms)} ms` +
      (claim.lostMedianMs !== undefined
        ? `; lost claim: median ${ms(claim.lostMedianMs)} ms, p99 ${ms(claim.lostP99Ms)} ms`
        : '') +
      ' (loopback, sequential)';
  rows.push([
    'claim',
    claim.claims ? thousands(claim.claims) : '–',
    'nestjs-aioclock',
    'RedisCoordinator',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    claimNote,
  ]);

  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((row) => row[c].length)),
  );
  const line = (cells: string[]): string =>
    '| ' + cells.map((cell, c) => cell.padEnd(widths[c])).join(' | ') + ' |';
  return [
    line(header),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}
