import { DynamicModule, Module } from '@nestjs/common';
import { AioClockModule, type Coordinator } from '../../../lib';
import {
  REPLICA_STORE,
  ReplicaTasks,
  type ReplicaStore,
} from './replica.tasks';

/** The app every replica process runs: the same tasks, one shared coordinator backend. */
@Module({})
export class ReplicaModule {
  /**
   * @param store where the tasks record their runs
   * @param coordinator this replica's coordinator
   */
  static register(
    store: ReplicaStore,
    coordinator: Coordinator,
  ): DynamicModule {
    return {
      module: ReplicaModule,
      imports: [
        AioClockModule.forRoot({
          timeZone: 'UTC',
          coordinator,
          shutdownTimeout: 2_000,
        }),
      ],
      providers: [ReplicaTasks, { provide: REPLICA_STORE, useValue: store }],
    };
  }
}
