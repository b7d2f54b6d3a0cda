import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What `dispatch-floor.js N` printed (lateness in ms over 6 due times), or why it did not run. */
export type FloorResult =
  | {
      n: number;
      p50: number;
      p99: number;
      max: number;
      script: string;
      /** `floor-per-due.js N` in the same run: the floor without its first (cold) due time. */
      perDue?: FloorPerDue;
      /**
       * The same loop with the methods on class prototypes (100 per class),
       * as Nest providers hold them: called the floor's way, and looked up
       * with `Reflect.get` as nestjs-aioclock does.
       */
      onPrototypes?: { keyed?: FloorPerDue; reflect?: FloorPerDue };
    }
  | { n: number; skipped: string };

/** Where `floor-per-due.js` puts its N methods (see that file). */
export type FloorShape = 'flat' | 'prototypes' | 'prototypes-reflect';

/** What `floor-per-due.js N` printed: each due time's last run, and the runs after the first due time. */
export interface FloorPerDue {
  shape: FloorShape;
  lastLateMs: number[];
  afterFirst: { p50: number; p99: number; max: number };
}

const SCRIPT = join('shared', 'tools', 'dispatch-floor.js');

/**
 * The floor script, `../shared/tools/dispatch-floor.js` from the repository
 * (from a git worktree nested deeper, the nearest such folder above it), or
 * `BENCH_FLOOR_SCRIPT`. It is not part of the repository: CI does not run the bench.
 */
export function findFloorScript(repoRoot: string): string | null {
  const given = process.env.BENCH_FLOOR_SCRIPT;
  if (given) return existsSync(given) ? given : null;
  for (let dir = dirname(repoRoot); ; dir = dirname(dir)) {
    const candidate = join(dir, SCRIPT);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The floor's loop per due time (`floor-per-due.ts`, next to this file), in
 * its own child process; `undefined` if it failed.
 */
export function runFloorPerDue(
  n: number,
  shape: FloorShape = 'flat',
): Promise<FloorPerDue | undefined> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(__dirname, 'floor-per-due.js'), String(n), shape],
      { timeout: 60_000 },
      (error, stdout) => {
        try {
          resolve(
            error ? undefined : (JSON.parse(stdout.trim()) as FloorPerDue),
          );
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}

/**
 * Runs the floor for N runs due at one instant, in its own child process, as
 * the scenarios run: one timer, a context per run, try/catch, a thenable
 * check and a body recording its lateness — what any scheduler must do.
 */
export function runFloor(
  script: string | null,
  n: number,
): Promise<FloorResult> {
  if (script === null)
    return Promise.resolve({ n, skipped: `${SCRIPT} not found` });
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, String(n)],
      { timeout: 60_000 },
      (error, stdout) => {
        if (error) {
          resolve({ n, skipped: error.message });
          return;
        }
        try {
          const parsed = JSON.parse(stdout.trim()) as {
            p50: number;
            p99: number;
            max: number;
          };
          resolve({
            n,
            p50: parsed.p50,
            p99: parsed.p99,
            max: parsed.max,
            script,
          });
        } catch {
          resolve({ n, skipped: `unreadable output: ${stdout.trim()}` });
        }
      },
    );
  });
}
