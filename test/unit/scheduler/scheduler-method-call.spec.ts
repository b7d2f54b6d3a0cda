import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import type { TaskDefinition } from '../../../lib/scheduler/task-definition';
import { setup, task } from './scheduler.fixtures';

/** A task due every second that calls `target.tick` (`invoke` only if the scheduler falls back to it). */
function methodTask(
  name: string,
  target: object,
  invoke?: (ctx: TaskContext) => unknown,
): TaskDefinition {
  return task(name, { type: 'every', seconds: 1 }, invoke, {
    target,
    methodKey: 'tick',
  });
}

/** An object whose method `tick` counts its calls; replaced by hand in the tests. */
class Target {
  calls: string[] = [];
  tick(ctx: TaskContext): void {
    this.calls.push(`proto:${ctx.name}`);
  }
}

describe('Scheduler: a definition with `target` and `methodKey`', () => {
  it('should call target[methodKey] on the target, looked up at each run', async () => {
    const { clock, scheduler } = setup();
    class Local extends Target {}
    const target = new Local();
    let invoked = 0;
    scheduler.addTask(methodTask('m', target, () => invoked++));
    await scheduler.start();
    await clock.advance(1_000);
    expect(target.calls).toEqual(['proto:m']);

    // A spy or override installed after the start is what the next run calls.
    const own = function (this: Target, ctx: TaskContext): void {
      expect(this).toBe(target);
      this.calls.push(`own:${ctx.name}`);
    };
    (target as unknown as Record<string, unknown>).tick = own;
    await clock.advance(1_000);
    Local.prototype.tick = function (this: Target): void {
      this.calls.push('never: the own property shadows it');
    };
    await clock.advance(1_000);

    expect(target.calls).toEqual(['proto:m', 'own:m', 'own:m']);
    expect(invoked).toBe(0);
    expect(scheduler.getTask('m')).toMatchObject({ runs: 3, failures: 0 });
    await scheduler.stop(0);
  });

  it('should call invoke when only one of target and methodKey is given', async () => {
    const { clock, scheduler } = setup();
    const target = new Target();
    let invoked = 0;
    scheduler.addTask(
      task('a', { type: 'every', seconds: 1 }, () => invoked++, { target }),
    );
    scheduler.addTask(
      task('b', { type: 'every', seconds: 1 }, () => invoked++, {
        methodKey: 'tick',
      }),
    );
    await scheduler.start();
    await clock.advance(2_000);

    expect(invoked).toBe(4);
    expect(target.calls).toEqual([]);
    await scheduler.stop(0);
  });

  it('should log a method that is no longer a function as a failed run and keep the schedule', async () => {
    const { clock, scheduler, logger } = setup();
    const target = { tick: (): void => undefined } as Record<string, unknown>;
    scheduler.addTask(methodTask('gone', target));
    await scheduler.start();
    await clock.advance(1_000);
    target.tick = 42;
    await clock.advance(1_000);
    target.tick = (): void => undefined;
    await clock.advance(1_000);

    expect(scheduler.getTask('gone')).toMatchObject({ runs: 3, failures: 1 });
    expect(logger.messages('error').join('\n')).toContain('gone');
    await scheduler.stop(0);
  });

  it('should call the method of the definition that reschedule put in place', async () => {
    const { clock, scheduler } = setup();
    const target = new Target();
    scheduler.addTask(methodTask('r', target));
    await scheduler.start();
    await clock.advance(1_000);
    scheduler.reschedule('r', { type: 'every', seconds: 2 });
    await clock.advance(4_000);

    expect(target.calls).toEqual(['proto:r', 'proto:r', 'proto:r']);
    await scheduler.stop(0);
  });
});
