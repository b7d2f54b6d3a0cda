import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';

/** Options of `AioClockHttpModule.register`. */
export interface AioClockHttpOptions {
  /**
   * Where the endpoints and the dashboard are mounted (after any global prefix).
   * @default 'aioclock'
   */
  path?: string;
  /**
   * Guards on every route, the dashboard page included, as `@UseGuards` takes
   * them: classes (built by Nest, so they can inject) or instances. These are
   * admin endpoints; without guards a warning is logged at startup.
   * @default []
   */
  guards?: Array<Type<CanActivate> | CanActivate>;
  /**
   * Modules that provide what guard classes inject (global modules need not
   * be listed).
   * @default []
   */
  imports?: ModuleMetadata['imports'];
  /**
   * How many recent runs per task the dashboard's timeline keeps.
   * @default 30
   */
  historySize?: number;
}
