import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type {
  ClaimAnswer,
  Coordinator,
} from '../../../lib/coordination/coordinator.interface';
import { setup, task, T0 } from './scheduler.fixtures';

// A claim answered after its task was removed: the run never starts, and the
// running mark the won claim took in the backend is given back, or every
// heartbeat would renew it and the other replicas would see the task busy.
describe('A removed task whose claim was still in flight', () => {
  it('should give back the running mark its won claim took', async () => {
    const clock = new VirtualClock(new Date(T0 + 300));
    const answers: ((answer: ClaimAnswer) => void)[] = [];
    const running = new Set<string>();
    const coordinator: Coordinator = {
      alignsToEpoch: true,
      replicaId: 'r0',
      claim: (name) =>
        new Promise<ClaimAnswer>((resolve) =>
          answers.push((answer) => {
            if (answer === true) running.add(name);
            resolve(answer);
          }),
        ),
      runEnded: (name) => void running.delete(name),
      lease: () => Promise.resolve(false),
      release: () => Promise.resolve(),
    };
    const { scheduler } = setup({ clock, coordinator });
    let runs = 0;
    scheduler.addTask(
      task('x', { type: 'every', seconds: 1 }, () => void runs++, {
        overlap: 'skip',
      }),
    );
    await scheduler.start();
    await clock.advance(700);
    expect(answers).toHaveLength(1);

    const removed = scheduler.removeTask('x');
    answers[0](true);
    await removed;
    expect(runs).toBe(0);
    expect(running.has('x')).toBe(false);
    await scheduler.stop(0);
  });
});
