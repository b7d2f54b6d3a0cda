import {
  HISTORY_KEEP,
  RunHistory,
  type HistoryOwner,
} from '../../../lib/scheduler/run-history';
import type { RunOutcome } from '../../../lib';

// RunHistory keeps records in typed arrays shared by many tasks, moving a
// task's first records to a bigger ring and wrapping it: every record must
// read back as written, newest first, with its own error text.

const OUTCOMES: RunOutcome[] = [
  'succeeded',
  'failed',
  'timedOut',
  'cancelled',
  'skipped',
  'missed',
];

interface Written {
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  outcome: RunOutcome;
  error?: string;
  attempt: number;
  catchUp: boolean;
}

// What a TaskState gives the history: its name and ring reference.
const owners = new Map<string, HistoryOwner>();
const owner = (name: string): HistoryOwner => {
  let found = owners.get(name);
  if (found === undefined)
    owners.set(name, (found = { name, historyRing: -1 }));
  return found;
};

beforeEach(() => owners.clear());

function write(history: RunHistory, task: string, i: number): Written {
  const outcome = OUTCOMES[i % OUTCOMES.length];
  const ran = outcome !== 'skipped' && outcome !== 'missed';
  const scheduledAt = 1_700_000_000_000 + i * 1_000;
  const error = i % 3 === 0 ? `error ${task} ${i}` : undefined;
  const attempt = (i % 4) + 1;
  const catchUp = i % 5 === 0;
  history.add(
    owner(task),
    scheduledAt,
    ran ? scheduledAt + 3 : NaN,
    ran ? scheduledAt + 10 : NaN,
    outcome,
    error,
    attempt,
    catchUp,
  );
  return {
    scheduledAt,
    startedAt: ran ? scheduledAt + 3 : null,
    finishedAt: ran ? scheduledAt + 10 : null,
    outcome,
    ...(error === undefined ? {} : { error }),
    attempt,
    catchUp,
  };
}

const read = (history: RunHistory, task: string, limit = Infinity) =>
  history.list(task, limit).map((record) => ({
    scheduledAt: record.scheduledAt.getTime(),
    startedAt: record.startedAt?.getTime() ?? null,
    finishedAt: record.finishedAt?.getTime() ?? null,
    outcome: record.outcome,
    ...(record.error === undefined ? {} : { error: record.error }),
    attempt: record.attempt,
    catchUp: record.catchUp,
  }));

describe('RunHistory', () => {
  it.each([1, 7, 8, 9, 99, 100, 101, 250])(
    'should read back the last records of %i, newest first, each with its own error',
    (count) => {
      const history = new RunHistory('replica-1');
      const written: Written[] = [];
      for (let i = 0; i < count; i++) {
        // Other tasks interleave, so rings of one slab sit side by side.
        write(history, 'Other.before', i);
        written.push(write(history, 'Jobs.task', i));
        write(history, 'Other.after', i);
      }
      const expected = written.reverse().slice(0, HISTORY_KEEP);
      expect(read(history, 'Jobs.task')).toEqual(expected);
      expect(read(history, 'Jobs.task', 3)).toEqual(expected.slice(0, 3));
      expect(history.list('Jobs.task', 1)[0]).toMatchObject({
        task: 'Jobs.task',
        replica: 'replica-1',
      });
    },
  );

  it('should clear an error text when its position is written again without one', () => {
    const history = new RunHistory('r');
    history.add(owner('Jobs.task'), 0, 0, 1, 'failed', 'boom');
    for (let i = 1; i <= HISTORY_KEEP; i++)
      history.add(owner('Jobs.task'), i, i, i + 1, 'succeeded', undefined);
    expect(
      history.list('Jobs.task', Infinity).filter((r) => r.error !== undefined),
    ).toEqual([]);
  });

  it('should keep thousands of tasks apart across slabs, and reuse a forgotten ring empty', () => {
    const history = new RunHistory('r');
    const tasks = Array.from({ length: 5_000 }, (_, i) => `Task.n${i}`);
    for (let round = 0; round < 10; round++)
      for (const [i, task] of tasks.entries())
        history.add(
          owner(task),
          i * 100 + round,
          NaN,
          NaN,
          'skipped',
          undefined,
        );
    for (const [i, task] of tasks.entries())
      expect(
        history.list(task, Infinity).map((r) => r.scheduledAt.getTime()),
      ).toEqual(Array.from({ length: 10 }, (_, r) => i * 100 + 9 - r));
    history.forget(owner('Task.n7'));
    expect(history.list('Task.n7', Infinity)).toEqual([]);
    history.add(owner('Task.new'), 1, 1, 2, 'succeeded', undefined);
    expect(history.list('Task.new', Infinity)).toHaveLength(1);
    expect(history.list('Task.n8', Infinity)).toHaveLength(10);
  });
});
