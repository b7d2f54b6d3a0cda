import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { ClaimResult } from './bench.types';

/** The Redis the claim cost is measured against, as the tests read it. */
export function redisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** Whether something at `url` answers PING (a NOAUTH error counts: the server is there). */
export function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) =>
      done(/^(\+PONG|-NOAUTH)/.test(data.toString())),
    );
    socket.connect(
      Number(parsed.port || 6379),
      parsed.hostname || '127.0.0.1',
      () => socket.write('PING\r\n'),
    );
  });
}

/** First finite number among the keys, looked up case-insensitively. */
function pick(
  source: Record<string, unknown>,
  keys: string[],
): number | undefined {
  for (const [key, value] of Object.entries(source)) {
    if (
      keys.includes(key.toLowerCase()) &&
      typeof value === 'number' &&
      Number.isFinite(value)
    )
      return value;
  }
  return undefined;
}

/** Reads median / p99 / count out of whatever claim.bench reported. */
export function normalizeClaimResult(raw: unknown): ClaimResult {
  if (!raw || typeof raw !== 'object')
    return { skipped: 'claim.bench reported nothing usable', raw };
  const source = raw as Record<string, unknown>;
  const medianMs = pick(source, ['medianms', 'median', 'p50ms', 'p50']);
  const p99Ms = pick(source, ['p99ms', 'p99']);
  const claims = pick(source, [
    'claims',
    'count',
    'n',
    'samples',
    'iterations',
  ]);
  if (medianMs === undefined || p99Ms === undefined)
    return { skipped: 'claim.bench reported no median/p99', raw };
  const lostMedianMs = pick(source, ['lostmedianms']);
  const lostP99Ms = pick(source, ['lostp99ms']);
  return { claims, medianMs, p99Ms, lostMedianMs, lostP99Ms, raw };
}

/**
 * Runs bench/claim.bench.ts (compiled next to this file) in a child process
 * when it exists and Redis answers; otherwise says why it was skipped.
 * @param distDir the directory holding the compiled bench files
 */
export async function runClaimScenario(distDir: string): Promise<ClaimResult> {
  if (!existsSync(join(distDir, 'claim.bench.js')))
    return { skipped: 'no bench/claim.bench.ts' };
  const url = redisUrl();
  if (!(await redisAnswers(url))) return { skipped: 'no Redis' };
  return new Promise((resolve) => {
    const child = fork(join(distDir, 'claim.runner.js'), [], {
      env: { ...process.env, REDIS_URL: url },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let message: unknown;
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('message', (m) => (message = (m as { result?: unknown }).result));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (message === undefined) {
        // A script-style claim.bench prints its result as a JSON line.
        for (const line of stdout.trim().split('\n').reverse()) {
          try {
            message = JSON.parse(line);
            break;
          } catch {
            // not JSON
          }
        }
      }
      if (message === undefined)
        resolve({
          skipped: `claim.bench exited with code ${code} and no result`,
        });
      else resolve(normalizeClaimResult(message));
    });
  });
}
