import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import { REDIS_URL } from './redis-test-env';
import { deleteNamespace } from './run-ledger';

export const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds, for at most 5 s (the expected wait is one round trip). */
export async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
}

/**
 * Several `RedisCoordinator`s in one process standing for replicas, each
 * with its own client, on one fresh key prefix; `admin` reads Redis. Call
 * inside a `describeWithRedis` body: it registers its own hooks (each test
 * leaves and clears the prefix; the clients quit at the end).
 */
export class RedisMembers {
  readonly prefix: string;
  private readonly clients: Redis[] = [];
  private readonly members: RedisCoordinator[] = [];
  private adminClient: Redis | null = null;

  /** @param name the prefix's stem */
  constructor(name: string) {
    this.prefix = `${name}-${randomBytes(4).toString('hex')}`;
    beforeAll(() => {
      this.adminClient = new Redis(REDIS_URL);
    });
    afterEach(async () => {
      await Promise.all(this.members.map((m) => m.leave()));
      this.members.length = 0;
      await deleteNamespace(this.admin, this.prefix);
    });
    afterAll(async () => {
      await Promise.all(this.clients.map((client) => client.quit()));
      await this.admin.quit();
    });
  }

  /** A client for reading Redis in assertions. */
  get admin(): Redis {
    return this.adminClient!;
  }

  /** A new member `id` (`leaseTtlMs` 5 s unless given), left after the test. */
  member(
    id: string,
    options: { historyKeep?: number; leaseTtlMs?: number } = {},
  ): RedisCoordinator {
    const client = new Redis(REDIS_URL);
    this.clients.push(client);
    const coordinator = new RedisCoordinator({
      client,
      keyPrefix: this.prefix,
      replicaId: id,
      leaseTtlMs: options.leaseTtlMs ?? 5_000,
      history: { keep: options.historyKeep ?? 100 },
    });
    this.members.push(coordinator);
    return coordinator;
  }
}
