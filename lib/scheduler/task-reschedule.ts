import {
  cannotReschedule,
  inTask,
  invalidParameter,
} from '../aioclock.messages';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import type { Trigger } from '../triggers/trigger';
import type { Fifo } from './fifo';
import { UNCOUNTED } from './loop-budget';
import type { TaskDefinition } from './task-definition';
import type { RunRequest, TaskState } from './task-state';

/** The triggers `reschedule` accepts. */
const RESCHEDULABLE = new Set(['every', 'at', 'cron', 'or']);
const RESCHEDULE_EXPECTED = 'an every, at, cron or or trigger';

/**
 * `reschedule`: gives a timed task a new trigger, as if it had just been
 * added: the new trigger's `maxLoopCount` counts from zero (under a
 * coordinator, the caller sets `ClaimState.loopsFrom`), and the caller queues
 * its first due time from now. Runs in flight go on; counters stay.
 * @param build validates the new definition's trigger and makes it
 * @throws InvalidTriggerError naming the task, for a task that is not timed or a trigger of another kind
 */
export function swapTrigger(
  task: TaskState,
  spec: TriggerSpec,
  build: (def: TaskDefinition) => Trigger,
): void {
  const current = task.def.trigger.type;
  if (task.kind !== 'timed' || current === 'once')
    throw new InvalidTriggerError(
      inTask(task.name, cannotReschedule(current)),
      'trigger',
      current,
    );
  const type = (spec as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !RESCHEDULABLE.has(type))
    throw new InvalidTriggerError(
      inTask(task.name, invalidParameter('trigger', spec, RESCHEDULE_EXPECTED)),
      'trigger',
      spec,
    );
  // The old definition stays the prototype: its getters and method still answer.
  const def = Object.create(task.def, {
    trigger: { value: spec, enumerable: true },
  }) as TaskDefinition;
  const trigger = build(def);
  uncountHeldRuns(task);
  task.def = def;
  task.trigger = trigger;
  const max = (spec as { maxLoopCount?: number }).maxLoopCount;
  task.maxLoops = typeof max === 'number' ? max : null;
  task.loops = 0;
  task.exhausted = false;
  task.finished = false;
  task.cursor = NaN;
}

/**
 * The old trigger's due times held to start later (buffered, waiting for a
 * group slot, jittered, held while another replica runs the task) were
 * counted against its `maxLoopCount`. They may still run; dropped, they must
 * not give a count back to the new trigger, which counts from zero.
 */
function uncountHeldRuns(task: TaskState): void {
  const mark = (request: RunRequest): void => {
    if (request.task === task && request.waiter === null)
      request.receipt = UNCOUNTED;
  };
  if (task.buffer !== null) revisit(task.buffer, mark);
  if (task.waiting > 0) revisit(task.group.waiting, mark);
  task.policies?.jittered.forEach((start) => (start.receipt = UNCOUNTED));
  const held = task.claim?.held;
  if (held != null)
    for (let i = 0; i < held.length; i++)
      held[i] = { ...held[i], receipt: UNCOUNTED };
}

/** Calls `visit` on each item of `fifo`, keeping them in order. */
function revisit<T>(fifo: Fifo<T>, visit: (item: T) => void): void {
  for (const item of fifo.drain()) {
    visit(item);
    fifo.push(item);
  }
}
