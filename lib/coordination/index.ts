export type {
  ClaimAnswer,
  Coordinator,
  DeclaredTask,
} from './coordinator.interface';
export { LocalCoordinator } from './local.coordinator';
export { RedisCoordinator } from './redis.coordinator';
export type { RedisCoordinatorOptions } from './redis.coordinator';
export type { RedisCoordinatorClient } from './redis-client.interface';
