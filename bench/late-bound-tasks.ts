import { VirtualClock } from '../lib/clock/virtual-clock';
import type { TaskContext } from '../lib/interfaces/task-context.interface';
import type { TriggerSpec } from '../lib/interfaces/trigger-spec.interface';
import { Scheduler } from '../lib/scheduler/scheduler';
import type { TaskDefinition } from '../lib/scheduler/task-definition';

type Method = (ctx: TaskContext) => unknown;

/** Methods per generated class, as in the scenarios. */
const PER_CLASS = 100;

/** As the explorer's task: the method is found at each call (`Reflect.get`). */
export class LateBoundTask implements TaskDefinition {
  readonly group = 'bench';
  constructor(
    readonly name: string,
    readonly trigger: TriggerSpec,
    readonly target: object,
    readonly methodKey: string,
  ) {}

  invoke(ctx: TaskContext): unknown {
    const target = this.target;
    return (Reflect.get(target, this.methodKey) as Method).call(target, ctx);
  }
}

/**
 * N tasks for the engine alone (no Nest): methods `t0`…`t{N-1}` on class
 * prototypes, 100 per class, each calling `body(i)`, all on `trigger`.
 */
export function lateBoundTasks(
  n: number,
  trigger: TriggerSpec,
  body: (i: number) => void,
): LateBoundTask[] {
  const tasks: LateBoundTask[] = [];
  for (let first = 0; first < n; first += PER_CLASS) {
    const cls = class {};
    for (let i = first; i < Math.min(n, first + PER_CLASS); i++)
      Object.defineProperty(cls.prototype, `t${i}`, {
        value: function () {
          body(i);
        },
        writable: true,
        configurable: true,
      });
    const instance = new cls();
    // Names as discovery reads them (internalized property keys).
    for (const method of Object.getOwnPropertyNames(cls.prototype))
      if (method !== 'constructor')
        tasks.push(
          new LateBoundTask(`C${first}.${method}`, trigger, instance, method),
        );
  }
  return tasks;
}

/** The real `Scheduler` on a `VirtualClock` (1 Jan 2026, UTC) with `tasks`, started. */
export async function startedEngine(
  tasks: readonly TaskDefinition[],
): Promise<{ clock: VirtualClock; scheduler: Scheduler }> {
  const clock = new VirtualClock(new Date(Date.UTC(2026, 0, 1)));
  const scheduler = new Scheduler({
    clock,
    logger: { log() {}, warn() {}, error: (m: string) => console.error(m) },
    timeZone: 'UTC',
  });
  for (const task of tasks) scheduler.addTask(task);
  await scheduler.start();
  return { clock, scheduler };
}
