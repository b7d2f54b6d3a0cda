/*
 * What one RedisCoordinator claim costs on loopback: N sequential claims of
 * distinct due times (each a won claim: the key is new), then the same N
 * claimed again by a second replica (each a lost claim: the key exists).
 * Standalone: `REDIS_URL=redis://127.0.0.1:6379 node dist-bench/bench/claim.bench.js`
 * prints one JSON line; `runClaimBench` is what `npm run bench` calls.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisCoordinator } from '../lib/coordination/redis.coordinator';

/** What the claim bench measured; times in ms. */
export interface ClaimBenchResult {
  redisUrl: string;
  /** Claims timed per kind (won and lost each). */
  claims: number;
  /** Median and 99th percentile of a won claim (`SET NX PX` that creates the key). */
  medianMs: number;
  p99Ms: number;
  /** The same for a lost claim (the key exists; the other replica skips). */
  lostMedianMs: number;
  lostP99Ms: number;
  /** Won claims per second, back to back on one connection. */
  claimsPerSecond: number;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[index];
}

const round = (ms: number) => Math.round(ms * 1_000) / 1_000;

async function timeClaims(
  coordinator: RedisCoordinator,
  task: string,
  dueTimes: number[],
): Promise<number[]> {
  const samples: number[] = [];
  for (const dueAt of dueTimes) {
    const start = process.hrtime.bigint();
    await coordinator.claim(task, dueAt, 1_000);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

/**
 * Measures claims against the Redis at `redisUrl`, deleting its keys afterwards.
 * @param options `redisUrl` (default REDIS_URL, else redis://127.0.0.1:6379) and `claims` (default 5000)
 */
export async function runClaimBench(
  options: { redisUrl?: string; claims?: number } = {},
): Promise<ClaimBenchResult> {
  const redisUrl =
    options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const claims = options.claims ?? 5_000;
  const keyPrefix = `aioclock-bench-${randomBytes(4).toString('hex')}`;
  const clientA = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const clientB = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const a = new RedisCoordinator({
      client: clientA,
      keyPrefix,
      replicaId: 'bench-a',
    });
    const b = new RedisCoordinator({
      client: clientB,
      keyPrefix,
      replicaId: 'bench-b',
    });
    const base = 1_700_000_000_000;
    // Warm up both connections and the JIT, on due times not measured.
    const warmup = Array.from(
      { length: 500 },
      (_, i) => base - (i + 1) * 1_000,
    );
    await timeClaims(a, 'warmup', warmup);
    await timeClaims(b, 'warmup', warmup);

    const dueTimes = Array.from({ length: claims }, (_, i) => base + i * 1_000);
    const started = process.hrtime.bigint();
    const won = await timeClaims(a, 'bench', dueTimes);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const lost = await timeClaims(b, 'bench', dueTimes);

    return {
      redisUrl,
      claims,
      medianMs: round(percentile(won, 50)),
      p99Ms: round(percentile(won, 99)),
      lostMedianMs: round(percentile(lost, 50)),
      lostP99Ms: round(percentile(lost, 99)),
      claimsPerSecond: Math.round((claims / elapsedMs) * 1_000),
    };
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await clientA.scan(
        cursor,
        'MATCH',
        `${keyPrefix}:*`,
        'COUNT',
        1_000,
      );
      cursor = next;
      if (keys.length) await clientA.del(...keys);
    } while (cursor !== '0');
    clientA.disconnect();
    clientB.disconnect();
  }
}

if (require.main === module) {
  runClaimBench().then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
