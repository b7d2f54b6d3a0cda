import { LocalCoordinator } from '../../../lib/coordination/local.coordinator';

describe('LocalCoordinator', () => {
  const coordinator = new LocalCoordinator();

  it('should not align @Every runs to the epoch', () => {
    expect(coordinator.alignsToEpoch).toBe(false);
  });

  it('should grant every claim, including a repeated one', async () => {
    await expect(coordinator.claim('Jobs.sync', 1_000, 1_000)).resolves.toBe(
      true,
    );
    await expect(coordinator.claim('Jobs.sync', 1_000, 1_000)).resolves.toBe(
      true,
    );
    await expect(coordinator.claim('Jobs.sync', 2_000, null)).resolves.toBe(
      true,
    );
  });

  it('should grant every lease and release without error', async () => {
    await expect(coordinator.lease('Jobs.loop', 5_000)).resolves.toBe(true);
    await expect(coordinator.lease('Jobs.loop', 5_000)).resolves.toBe(true);
    await expect(coordinator.release('Jobs.loop')).resolves.toBeUndefined();
  });
});
