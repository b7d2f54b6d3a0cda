import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  AIOCLOCK_GROUP_OPTIONS,
  AIOCLOCK_IMPORT_ID,
} from './aioclock.constants';
import { AioClockEarlyInitModule } from './aioclock-early-init.module';
import { AioClockExplorer } from './aioclock.explorer';
import { AioClockFeatureModule } from './aioclock-feature.module';
import {
  AioClockConfigurableModule,
  type AioClockAsyncOptions,
  AIOCLOCK_OPTIONS_TYPE,
} from './aioclock.module-definition';
import { AioClockOrchestrator } from './aioclock.orchestrator';
import { AioClockRegistry } from './aioclock.registry';
import { Clock } from './clock/clock';
import { SystemClock } from './clock/system-clock';
import type { GroupOptions } from './interfaces/group-options.interface';

/**
 * AioClock's scheduler as a Nest module. Import `forRoot()` (or
 * `forRootAsync()`) once in the root module; decorated provider methods are
 * found and scheduled, each feature module forming a group.
 */
@Module({
  imports: [DiscoveryModule, AioClockEarlyInitModule],
  providers: [
    { provide: Clock, useClass: SystemClock },
    AioClockExplorer,
    AioClockOrchestrator,
    AioClockRegistry,
  ],
  exports: [Clock, AioClockRegistry],
})
export class AioClockModule extends AioClockConfigurableModule {
  /**
   * Schedules every decorated method of the app.
   * @param options `timeZone`, `enabled`, `shutdownTimeout`, `coordinator`
   */
  static forRoot(options: typeof AIOCLOCK_OPTIONS_TYPE = {}): DynamicModule {
    return withImportId(super.forRoot(options));
  }

  /**
   * Like `forRoot`, with options from a factory that can inject providers
   * (e.g. `ConfigService`).
   * @param options `imports`, `inject`, `useFactory`
   */
  static forRootAsync(options: AioClockAsyncOptions): DynamicModule {
    return withImportId(super.forRootAsync(options));
  }

  /**
   * Configures the group the importing feature module forms.
   * @param group `name` (default: the module's class name), `timeout`, `concurrency`, `enabled`
   */
  static forFeature(group: GroupOptions = {}): DynamicModule {
    return {
      module: AioClockFeatureModule,
      providers: [{ provide: AIOCLOCK_GROUP_OPTIONS, useValue: group }],
    };
  }
}

/**
 * Marks one forRoot import, so that with several the one the root module
 * declares can be told apart (all are global: Nest lists every global module
 * among every module's imports).
 */
function withImportId(module: DynamicModule): DynamicModule {
  return {
    ...module,
    providers: [
      ...(module.providers ?? []),
      { provide: AIOCLOCK_IMPORT_ID, useValue: Symbol('AioClockModule') },
    ],
  };
}
