/*
 * What one call of each per-run script costs when fused (issue 13): 20 fused
 * scripts of 500 calls each against the Redis at REDIS_URL, per call, the
 * client's encoding and parsing included; and one PING for the round trip.
 *
 * `REDIS_URL=… node dist-bench/bench/redis-calls.bench.js`
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  CLAIM_SCRIPT,
  HISTORY_SCRIPT,
  RUN_ENDED_SCRIPT,
  TASK_STATE_SCRIPT,
} from '../lib/coordination/redis-cluster.scripts';
import {
  FUSED_SCRIPT,
  fuseCalls,
  type FusedCall,
} from '../lib/coordination/redis-fused-script';
import { historyTrimAt } from '../lib/coordination/redis-run-history';

const CALLS = 500;
const ROUNDS = 20;

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  const client = new Redis(url);
  const prefix = `aioclock-calls-bench:${randomBytes(4).toString('hex')}`;
  const key = (i: number, what: string) => `${prefix}:{t${i}}:${what}`;
  const perCall = async (
    make: (i: number, round: number) => FusedCall,
  ): Promise<number> => {
    let total = 0n;
    for (let round = 0; round <= ROUNDS; round++) {
      const { keys, args } = fuseCalls(
        Array.from({ length: CALLS }, (_, i) => make(i, round)),
      );
      const start = process.hrtime.bigint();
      await FUSED_SCRIPT.run(client, keys, args);
      // Round 0 loads the script and creates the keys.
      if (round > 0) total += process.hrtime.bigint() - start;
    }
    return Number(total) / 1e3 / ROUNDS / CALLS;
  };
  const due = Date.now();
  const record = JSON.stringify({
    s: due,
    b: due + 12,
    f: due + 13,
    o: 'success',
    r: 'replica-a',
  });
  const results = {
    claim: await perCall((i, round) => ({
      script: CLAIM_SCRIPT,
      keys: [
        key(i, String(due + round * 1_000)),
        key(i, 'state'),
        key(i, 'running'),
      ],
      args: ['replica-a', 60_000, due + round * 1_000, 0, 1, 'skip', 10_000],
    })),
    history: await perCall((i) => ({
      script: HISTORY_SCRIPT,
      keys: [key(i, 'history'), key(i, 'state')],
      args: [record, 100, 's', String(due + 12), historyTrimAt(100)],
    })),
    runEnded: await perCall((i) => ({
      script: RUN_ENDED_SCRIPT,
      keys: [key(i, 'running')],
      args: ['replica-a', `${prefix}:channel`, ''],
    })),
    counters: await perCall((i) => ({
      script: TASK_STATE_SCRIPT,
      keys: [key(i, 'state')],
      args: [],
    })),
  };
  const pingStart = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) await client.ping();
  const pingUs = Number(process.hrtime.bigint() - pingStart) / 1e3 / ROUNDS;
  const keys = await client.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 1_000)
    await client.del(...keys.slice(i, i + 1_000));
  client.disconnect();
  const round = (n: number) => Math.round(n * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      microsecondsPerCall: Object.fromEntries(
        Object.entries(results).map(([k, v]) => [k, round(v)]),
      ),
      pingMicroseconds: Math.round(pingUs),
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
