import type { CronExpressionParser } from 'cron-parser';

let parser: typeof CronExpressionParser | undefined;

/**
 * cron-parser's `CronExpressionParser`, required on first use: with luxon it
 * costs ~0.9 MB of heap at load time, which an app without a cron trigger
 * never needs.
 */
export function cronExpressionParser(): typeof CronExpressionParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (parser ??= (require('cron-parser') as typeof import('cron-parser'))
    .CronExpressionParser);
}
