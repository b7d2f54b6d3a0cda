import { DynamicModule, Module, type Type } from '@nestjs/common';
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
   * @param tasks the tasks provider (default: `ReplicaTasks`)
   */
  static register(
    store: ReplicaStore,
    coordinator: Coordinator,
    tasks: Type = ReplicaTasks,
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
      providers: [tasks, { provide: REPLICA_STORE, useValue: store }],
    };
  }
}
