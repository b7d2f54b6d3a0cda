import { Module, type Type } from '@nestjs/common';
// Published: import { AioClockModule, RedisCoordinator, type RedisCoordinatorClient } from 'nestjs-aioclock';
import {
  AioClockModule,
  RedisCoordinator,
  type RedisCoordinatorClient,
} from '../../../lib';
import { CleanupModule } from '../cleanup/cleanup.module';
import { ReportsModule } from '../reports/reports.module';

/**
 * The sample's tasks under a Redis coordinator: start it twice against one
 * Redis (`npm run sample:replicas` in two terminals) and the replicas share
 * the timed tasks, each due time running on one of them.
 * @param redis an ioredis client (the module does not close it)
 * @param keyPrefix keeps this app's keys apart from other apps' on the same Redis
 */
export function replicasAppModule(
  redis: RedisCoordinatorClient,
  keyPrefix = 'aioclock-sample',
): Type {
  @Module({
    imports: [
      AioClockModule.forRoot({
        timeZone: 'UTC',
        shutdownTimeout: 5_000,
        coordinator: new RedisCoordinator({ client: redis, keyPrefix }),
      }),
      ReportsModule,
      CleanupModule,
    ],
  })
  class ReplicasAppModule {}
  return ReplicasAppModule;
}
