import { setup, task, T0 } from './scheduler.fixtures';

describe('Scheduler firing', () => {
  it('should fire tasks in due-time order, each run seeing its own due time', async () => {
    const { clock, scheduler } = setup();
    const seen: string[] = [];
    const record = (label: string) => (ctx: { scheduledAt: Date; startedAt: Date }) =>
      seen.push(`${label}@${ctx.scheduledAt.getTime() - T0}/${ctx.startedAt.getTime() - T0}/${clock.timestamp() - T0}`);
    scheduler.addTask(task('three', { type: 'every', seconds: 3 }, record('3s')));
    scheduler.addTask(task('five', { type: 'every', seconds: 5 }, record('5s')));
    await scheduler.start();

    await clock.advance(10_000);

    expect(seen).toEqual([
      '3s@3000/3000/3000',
      '5s@5000/5000/5000',
      '3s@6000/6000/6000',
      '3s@9000/9000/9000',
      '5s@10000/10000/10000',
    ]);
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
