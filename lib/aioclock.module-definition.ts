import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AioClockOptions } from './interfaces/aioclock-options.interface';

/**
 * `AIOCLOCK_OPTIONS` is the injection token of the resolved `AioClockOptions`
 * (inject it to read the options `forRoot`/`forRootAsync` was given).
 */
export const {
  ConfigurableModuleClass: AioClockConfigurableModule,
  MODULE_OPTIONS_TOKEN: AIOCLOCK_OPTIONS,
  OPTIONS_TYPE: AIOCLOCK_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AIOCLOCK_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AioClockOptions>({ moduleName: 'AioClock' })
  .setClassMethodName('forRoot')
  // Global, so the registry and the Clock are injectable in every module.
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** What `AioClockModule.forRootAsync` takes: `imports`, `inject`, `useFactory` (or `useClass` / `useExisting`). */
export type AioClockAsyncOptions = typeof AIOCLOCK_ASYNC_OPTIONS_TYPE;
