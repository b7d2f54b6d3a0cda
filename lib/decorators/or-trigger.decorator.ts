import {
  invalidParameter,
  memberHasOptions,
  notATriggerMember,
} from '../aioclock.messages';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type { OrParams } from '../interfaces/trigger-params.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import {
  createTaskDecorator,
  decoratorProblem,
  paramsProblem,
  type TaskDecorator,
} from './task-decorator';

/**
 * Runs the method whenever any member fires. Each member keeps its own
 * schedule and `maxLoopCount`; members that coincide fire once.
 * @param triggers a non-empty array of other decorators' results, e.g. `[Every({ seconds: 3 }), Cron('0 9 * * *')]`
 * @param params `maxLoopCount` of the whole union
 * @param options task name, timeout, overlap policy, enabled
 */
export function OrTrigger(
  triggers: TaskDecorator[],
  params: OrParams = {},
  options?: TaskOptions,
): TaskDecorator {
  let members: TriggerSpec[] | undefined;
  let problem: InvalidTriggerError | undefined;
  if (!Array.isArray(triggers)) {
    problem = new InvalidTriggerError(
      invalidParameter(
        'triggers',
        triggers,
        'a non-empty array such as [Every({ seconds: 3 }), Cron("0 9 * * *")]',
      ),
      'triggers',
      triggers,
    );
  } else {
    members = [];
    for (let index = 0; index < triggers.length && !problem; index++) {
      const member = triggers[index];
      if (
        typeof member !== 'function' ||
        typeof (member as Partial<TaskDecorator>).spec !== 'object'
      ) {
        problem = new InvalidTriggerError(
          notATriggerMember(index, member),
          `triggers[${index}]`,
          member,
        );
      } else if (decoratorProblem(member) !== undefined) {
        const memberProblem = decoratorProblem(member)!;
        problem = new InvalidTriggerError(
          `triggers[${index}]: ${memberProblem.message}`,
          `triggers[${index}]`,
          memberProblem.value,
        );
      } else if (member.options && Object.keys(member.options).length > 0) {
        problem = new InvalidTriggerError(
          memberHasOptions(index),
          `triggers[${index}]`,
          member.options,
        );
      } else {
        members.push(member.spec);
      }
    }
  }
  // The spec is checked as a whole (empty list, nested members) when applied.
  const spec = {
    ...params,
    type: 'or',
    triggers: members ?? (triggers as unknown as TriggerSpec[]),
  } as TriggerSpec;
  return createTaskDecorator(
    'OrTrigger',
    spec,
    options,
    problem ??
      paramsProblem(
        'OrTrigger',
        params,
        ['type', 'triggers'],
        'an object like { maxLoopCount: 3 }',
      ),
  );
}
