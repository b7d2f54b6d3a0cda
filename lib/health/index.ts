// The optional @nestjs/terminus integration: `nestjs-aioclock/health`. Kept out
// of the main entry so an app without @nestjs/terminus can load the package.
export {
  AioClockHealthIndicator,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_OVERDUE_MARGIN_MS,
} from './aioclock.health-indicator';
export type {
  AioClockHealthDetails,
  FailingTask,
  OverdueTask,
} from './aioclock.health-indicator';
export type { AioClockHealthOptions } from './aioclock-health-options.interface';
