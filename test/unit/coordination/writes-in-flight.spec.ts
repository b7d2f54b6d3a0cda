import { WritesInFlight } from '../../../lib/coordination/writes-in-flight';

// What forgetting a removed task waits for: every write sent before it.
describe('WritesInFlight', () => {
  it('should settle only once every tracked write has, a failed one included', async () => {
    const writes = new WritesInFlight();
    let answer!: () => void;
    let fail!: (error: Error) => void;
    writes.track(new Promise<void>((resolve) => (answer = resolve)));
    writes.track(new Promise<void>((_, reject) => (fail = reject)));
    let settled = false;
    const done = writes.settled().then(() => (settled = true));

    // A failure first must not settle it while the other write is out.
    fail(new Error('lost'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    answer();
    await done;
    expect(settled).toBe(true);
  });

  it('should settle at once with nothing tracked, and not wait for writes tracked later', async () => {
    const writes = new WritesInFlight();
    await expect(writes.settled()).resolves.toBeUndefined();
    const before = writes.settled();
    writes.track(new Promise(() => undefined));
    await expect(before).resolves.toBeUndefined();
  });
});
