// The public API of nestjs-aioclock. Internals (explorer, orchestrator,
// scheduler) are deliberately not exported.
export { AioClockModule } from './aioclock.module';
export type { AioClockAsyncOptions } from './aioclock.module-definition';
export { AIOCLOCK_OPTIONS } from './aioclock.module-definition';
export { AioClockRegistry } from './aioclock.registry';
export * from './decorators';
export { Clock, type TimerHandle } from './clock/clock';
export { SystemClock, type SystemClockOptions } from './clock/system-clock';
export { VirtualClock } from './clock/virtual-clock';
export type { Coordinator } from './coordination/coordinator.interface';
export { LocalCoordinator } from './coordination/local.coordinator';
export { MemoryScheduleStore } from './coordination/memory-schedule-store';
export type {
  ScheduleInput,
  ScheduleStore,
  StoredSchedule,
} from './coordination/schedule-store.interface';
export {
  RedisCoordinator,
  type RedisCoordinatorOptions,
} from './coordination/redis.coordinator';
export type { RedisCoordinatorClient } from './coordination/redis-client.interface';
export {
  PostgresCoordinator,
  postgresSchemaFile,
  type PostgresCoordinatorOptions,
  type PostgresCoordinatorPool,
} from './coordination';
export * from './errors';
// HTTP endpoints and dashboard (opt-in). The terminus health indicator lives
// in the 'nestjs-aioclock/health' entry, so this one never needs @nestjs/terminus.
export * from './http';
export type * from './interfaces/aioclock-options.interface';
export type * from './interfaces/clock-jump.interface';
export type * from './interfaces/group-options.interface';
export type * from './interfaces/task-context.interface';
export type * from './interfaces/task-event.interface';
export type * from './interfaces/task-info.interface';
// Named, so it wins over the HTTP module's own (older) RunRecord in `./http`.
export type {
  HistoryQuery,
  RunOutcome,
  RunRecord,
} from './interfaces/run-record.interface';
export type * from './interfaces/task-options.interface';
export type * from './interfaces/runtime-task.interface';
export type * from './interfaces/schedule.interface';
export type * from './interfaces/trigger-params.interface';
export type * from './interfaces/trigger-spec.interface';
