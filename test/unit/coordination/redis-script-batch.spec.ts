import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  HISTORY_SCRIPT,
  PAUSE_SCRIPT,
  PUBLISH_SCRIPT,
  type RedisScript,
  RUN_ENDED_SCRIPT,
  TASK_STATE_SCRIPT,
} from '../../../lib/coordination/redis-cluster.scripts';
import { FUSED_MAX_CALLS } from '../../../lib/coordination/redis-fused-script';
import { RedisScriptBatch } from '../../../lib/coordination/redis-script-batch';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';

// The batch fuses the per-run scripts of one turn into one EVALSHA: each call
// must still get its own reply or its own error, in order, across chunks,
// mixed with calls that are not fused, and after Redis forgot its scripts.

describeWithRedis('RedisScriptBatch against Redis', () => {
  const prefix = `aioclock-batch-${randomBytes(4).toString('hex')}`;
  let client: Redis;
  let admin: Redis;
  let batch: RedisScriptBatch;
  let commands: string[];

  beforeAll(() => {
    client = new Redis(REDIS_URL);
    admin = new Redis(REDIS_URL);
  });

  beforeEach(() => {
    commands = [];
    const pipeline = client.pipeline.bind(client);
    // Counts what reaches Redis: one pipeline entry per command.
    const counted = Object.assign(Object.create(client) as Redis, {
      pipeline: () => {
        const p = pipeline();
        const evalsha = p.evalsha.bind(p) as (...args: unknown[]) => unknown;
        p.evalsha = ((...args: unknown[]) => {
          commands.push(String(args[0]));
          return evalsha(...args);
        }) as typeof p.evalsha;
        return p;
      },
    });
    batch = new RedisScriptBatch(counted, (command) => command());
  });

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    client.disconnect();
    admin.disconnect();
  });

  const key = (name: string) => `${prefix}:${name}`;

  it('should answer each call of one turn from a single command, in order', async () => {
    await admin.hset(key('state'), 'runs', 7);
    await admin.set(key('running'), 'me');
    const replies = await Promise.all([
      batch.run(TASK_STATE_SCRIPT, [key('state')], []),
      batch.run(RUN_ENDED_SCRIPT, [key('running')], ['me', 'ch', '']),
      batch.run(RUN_ENDED_SCRIPT, [key('running')], ['me', 'ch', '']),
      batch.run(TASK_STATE_SCRIPT, [key('missing')], []),
    ]);
    expect(replies).toEqual([
      ['7', null, null, null, null],
      1,
      0,
      [null, null, null, null, null],
    ]);
    expect(commands).toHaveLength(1);
  });

  it('should reject only the call that failed', async () => {
    await admin.set(key('string'), 'x');
    const outcomes = await Promise.allSettled([
      batch.run(PUBLISH_SCRIPT, [], [key('channel'), 'a']),
      // HINCRBY on a string: WRONGTYPE inside the fused script.
      batch.run(
        HISTORY_SCRIPT,
        [key('history'), key('string')],
        ['{}', 10, 'f', '', 12],
      ),
      batch.run(PUBLISH_SCRIPT, [], [key('channel'), 'b']),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(
      /WRONGTYPE/,
    );
  });

  it('should keep the order of fused and unfused calls and split long runs', async () => {
    const n = FUSED_MAX_CALLS + 5;
    const history = key('ordered');
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      if (i === 3)
        calls.push(
          batch.run(PAUSE_SCRIPT, [key('paused')], ['t', 'why', key('c'), 'p']),
        );
      calls.push(
        batch.run(
          HISTORY_SCRIPT,
          [history, key('ordered-state')],
          [String(i), 10_000, 's', String(i), 20_000],
        ),
      );
    }
    await Promise.all(calls);
    // Fused (3), the unfused pause, fused (500), fused (2).
    expect(commands).toHaveLength(4);
    const stored = await admin.lrange(history, 0, -1);
    expect(stored.map(Number)).toEqual(
      Array.from({ length: n }, (_, i) => n - 1 - i),
    );
    expect(await admin.hget(key('ordered-state'), 'lastRunAt')).toBe(
      String(n - 1),
    );
    expect(await admin.hget(key('paused'), 't')).toBe('why');
  });

  it('should send posted calls and the calls a fill adds at the send, after those queued meanwhile, in one command', async () => {
    const list = key('filled');
    const push = (
      value: string,
    ): [RedisScript, string[], (string | number)[]] => [
      HISTORY_SCRIPT,
      [list, key('filled-state')],
      [value, 100, 's', '1', 200],
    ];
    const order: string[] = [];
    batch.beforeSend(() => {
      order.push('fill');
      batch.post(...push('from the fill'));
    });
    batch.beforeSend(() => {
      throw new Error('a fill that fails');
    });
    batch.post(...push('posted'));
    order.push('queued');
    const last = batch.run(...push('run'));
    // Nothing is made before the turn ends.
    expect(order).toEqual(['queued']);
    await last;
    expect(order).toEqual(['queued', 'fill']);
    expect(commands).toHaveLength(1);
    // LPUSH: newest first.
    expect(await admin.lrange(list, 0, -1)).toEqual([
      'from the fill',
      'run',
      'posted',
    ]);
  });

  it('should pass any argument through the packed arguments unchanged', async () => {
    const list = key('packed');
    const odd = [
      'a"quote\\back\nslash',
      'tab\tand\u0000nul',
      'ünïcødé ✓ 🕐',
      '',
      '[1,2]',
      '12.50',
    ];
    await Promise.all(
      [...odd, 'second call'].map((value) =>
        batch.run(
          HISTORY_SCRIPT,
          [list, key('packed-state')],
          [value, 100, 's', '1', 200],
        ),
      ),
    );
    expect(commands).toHaveLength(1);
    expect((await admin.lrange(list, 0, -1)).reverse()).toEqual([
      ...odd,
      'second call',
    ]);
  });

  it('should load the fused script again after Redis forgot it', async () => {
    await admin.script('FLUSH');
    await admin.set(key('again'), 'me');
    const replies = await Promise.all([
      batch.run(RUN_ENDED_SCRIPT, [key('again')], ['me', 'ch', '']),
      batch.run(TASK_STATE_SCRIPT, [key('none')], []),
    ]);
    expect(replies[0]).toBe(1);
    expect(await admin.exists(key('again'))).toBe(0);
  });

  it('should trim a history list back to what it keeps once it passes the trim length', async () => {
    const list = key('trimmed');
    for (let i = 0; i < 13; i++)
      await batch.run(
        HISTORY_SCRIPT,
        [list, key('trim-state')],
        [String(i), 10, 's', '', 13],
      );
    expect(await admin.llen(list)).toBe(10);
    await batch.run(
      HISTORY_SCRIPT,
      [list, key('trim-state')],
      ['13', 10, 's', '', 13],
    );
    expect(await admin.llen(list)).toBe(11);
  });
});
