import { AioClockError } from '../errors/aioclock.error';
import type { GroupOptions } from '../interfaces/group-options.interface';
import {
  boolean,
  checkOptions,
  nonEmptyString,
  positiveInteger,
  positiveMs,
  type OptionTable,
} from './option-rules';

// GroupOptions (AioClockModule.forFeature): its rules. Every default is an
// absence: the module's class name, no timeout, no concurrency cap, enabled.

/** The rules of `GroupOptions`. */
export const GROUP_OPTION_TABLE: OptionTable<GroupOptions> = {
  rules: {
    name: nonEmptyString,
    timeout: positiveMs,
    concurrency: positiveInteger,
    enabled: boolean,
  },
  error: (message) => new AioClockError(message),
};

/**
 * Checks the `GroupOptions` a feature module gives `forFeature`.
 * @param owner the module, named in the error
 * @throws AioClockError naming the owner, the option and the bad value
 */
export function validateGroupOptions(
  owner: string,
  options: GroupOptions | undefined,
): void {
  checkOptions(owner, options, GROUP_OPTION_TABLE);
}
