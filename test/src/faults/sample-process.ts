import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
/** Where `npx tsc -p sample/tsconfig.json` puts the sample's entry point. */
export const SAMPLE_MAIN = join(
  ROOT,
  'dist-sample',
  'sample',
  'src',
  'main.js',
);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs,
    );
  }
  return newest;
}

/** The entry point of `npm run sample:replicas`. */
export const SAMPLE_REPLICAS_MAIN = join(
  ROOT,
  'dist-sample',
  'sample',
  'src',
  'main-replicas.js',
);

/** Compiles the sample unless dist-sample is newer than every source under sample/src and lib. */
export function compileSample(): void {
  let built = 0;
  try {
    built = Math.min(
      statSync(SAMPLE_MAIN).mtimeMs,
      statSync(SAMPLE_REPLICAS_MAIN).mtimeMs,
    );
  } catch {
    // Not built yet.
  }
  const sources = Math.max(
    newestMtime(join(ROOT, 'sample', 'src')),
    newestMtime(join(ROOT, 'lib')),
  );
  if (built > sources) return;
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      join(ROOT, 'sample', 'tsconfig.json'),
    ],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
}

/** How the sample process ended, and everything it printed. */
export interface SampleExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** The output up to the moment SIGTERM was sent. */
  beforeSignal: string;
}

/**
 * Starts the compiled sample, waits until a scheduled task has logged a `ran`
 * line, sends SIGTERM, and resolves when the process exits (killing it after
 * `deadlineMs` so a hung shutdown fails the test instead of hanging it).
 * @param ready the output that means "mid-run"
 */
export function runSampleUntilSigterm(
  ready: RegExp,
  deadlineMs = 15_000,
): Promise<SampleExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAMPLE_MAIN], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', SAMPLE_RUN_FOR_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let beforeSignal: string | null = null;
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (beforeSignal === null && ready.test(output)) {
        beforeSignal = output;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const killer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.on('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, output, beforeSignal: beforeSignal ?? '' });
    });
  });
}
