import { PostgresClaimBatch } from '../../../lib/coordination/postgres/postgres-claim-batch';

// PostgresClaimBatch.settled: forgetting a removed task deletes rows a claim
// still in flight would write, so it waits for every claim queued before it.
describe('PostgresClaimBatch.settled', () => {
  it('should resolve only once the claims queued before it are answered', async () => {
    const answers: (() => void)[] = [];
    const batch = new PostgresClaimBatch({
      schema: 's',
      replicaId: 'r',
      leaseTtlMs: 1_000,
      channel: () => 'c',
      overlapOf: () => undefined,
      query: () =>
        new Promise((resolve) =>
          answers.push(() => resolve([{ task: 'a', answer: 1 }])),
        ),
    });
    const claimed = batch.claim(1_000, {
      task: 'a',
      maxLoops: 0,
      loopsFrom: 0,
      marks: false,
      holds: false,
      ttl: 60_000,
    });
    let settled = false;
    const done = batch.settled().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toHaveLength(1);
    expect(settled).toBe(false);
    answers[0]();
    await done;
    expect(settled).toBe(true);
    await expect(claimed).resolves.toBeDefined();
    // Nothing queued: at once.
    await expect(batch.settled()).resolves.toBeUndefined();
  });
});
