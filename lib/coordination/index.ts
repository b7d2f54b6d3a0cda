export type {
  ClaimAnswer,
  Coordinator,
  DeclaredTask,
} from './coordinator.interface';
export { LocalCoordinator } from './local.coordinator';
export { MemoryScheduleStore } from './memory-schedule-store';
export type {
  ScheduleInput,
  ScheduleStore,
  StoredSchedule,
} from './schedule-store.interface';
export { RedisCoordinator } from './redis.coordinator';
export type { RedisCoordinatorOptions } from './redis.coordinator';
export type { RedisCoordinatorClient } from './redis-client.interface';
export { PostgresCoordinator } from './postgres.coordinator';
export type { PostgresCoordinatorOptions } from './postgres.coordinator';
export type {
  PostgresCoordinatorPool,
  PostgresListenClient,
} from './postgres/postgres-client.interface';
export {
  postgresSchemaFile,
  postgresSchemaStatements,
} from './postgres/postgres-schema';
