import { PostgresMembership } from '../../../lib/coordination/postgres/postgres-membership';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';

// A server that accepts connections and never answers (a stopped process, a
// half-open path): the LISTEN connection never comes, statements time out.
// join() is awaited by the app's bootstrap: it must not hang on the LISTEN.
describe('PostgresMembership.join against a database that never answers', () => {
  it('should resolve after at most a heartbeat, the heartbeats left to make up for LISTEN', async () => {
    let connects = 0;
    const pool = {
      connect: () => {
        connects++;
        return new Promise(() => undefined);
      },
      query: () => Promise.reject(new Error('no answer within 50 ms')),
    } as unknown as PostgresCoordinatorPool;
    const membership = new PostgresMembership({
      pool,
      schema: 'aioclock',
      replicaId: 'r',
      leaseTtlMs: 600,
      heartbeatMs: 100,
      runsInFlight: () => [],
      query: () => Promise.reject(new Error('no answer within 50 ms')),
    });
    let joined = false;
    const join = membership.join(['Jobs.tick']).then(() => (joined = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(connects).toBe(1);
    expect(joined).toBe(false);
    await join;
    expect(joined).toBe(true);
    await membership.leave(0).catch(() => undefined);
  });
});
