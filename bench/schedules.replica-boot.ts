/*
 * The boot of a replica joining a cluster that holds N durable schedules
 * (issue 15): a Nest application context with one `@ScheduleHandler` under a
 * RedisCoordinator on the bench's key prefix, timed from creation until
 * `init` resolved — the schedules loaded and scheduled, the member joined.
 */
import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import {
  AioClockModule,
  AioClockRegistry,
  RedisCoordinator,
  ScheduleHandler,
} from '../lib';

@Injectable()
class ReportsHandler {
  @ScheduleHandler('Reports.send')
  send(): void {
    // The bench's schedules are due at 09:00: nothing runs while it is timed.
  }
}

@Module({})
class JoiningReplicaModule {
  static register(coordinator: RedisCoordinator): DynamicModule {
    return {
      module: JoiningReplicaModule,
      imports: [AioClockModule.forRoot({ coordinator })],
      providers: [ReportsHandler],
    };
  }
}

/** Boots a replica on `keyPrefix`; its boot time, and whether it scheduled each of `sampleIds`. */
export async function bootJoiningReplica(
  redisUrl: string,
  keyPrefix: string,
  sampleIds: readonly string[],
): Promise<{ bootMs: number; scheduled: boolean }> {
  const client = new Redis(redisUrl);
  try {
    const started = performance.now();
    const app = await NestFactory.createApplicationContext(
      JoiningReplicaModule.register(
        new RedisCoordinator({ client, keyPrefix, claimTimeoutMs: 30_000 }),
      ),
      { logger: ['error'] },
    );
    await app.init();
    const bootMs = performance.now() - started;
    const registry = app.get(AioClockRegistry);
    const infos = await Promise.all(
      sampleIds.map((id) => registry.getSchedule(id)),
    );
    const scheduled = infos.every((info) => info?.nextRunAt != null);
    await app.close();
    return { bootMs, scheduled };
  } finally {
    client.disconnect();
  }
}
