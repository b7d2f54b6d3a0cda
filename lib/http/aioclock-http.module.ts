import {
  DynamicModule,
  Inject,
  Logger,
  Module,
  OnModuleInit,
} from '@nestjs/common';
import { AIOCLOCK_LOGGER_CONTEXT } from '../aioclock.constants';
import { httpUnprotected } from '../aioclock.messages';
import {
  HTTP_OPTION_DEFAULTS,
  validateHttpOptions,
} from '../options/http.options';
import { AIOCLOCK_HTTP_OPTIONS } from './aioclock-http.constants';
import { createAioClockHttpController } from './aioclock-http.controller';
import { createAioClockSchedulesController } from './aioclock-http.schedules.controller';
import { AioClockRunHistory } from './aioclock-http.history';
import type { AioClockHttpOptions } from './aioclock-http-options.interface';

/**
 * Opt-in HTTP endpoints over the registry, and a live dashboard page. Never
 * mounted by `AioClockModule.forRoot`; import it next to it:
 *
 * ```ts
 * imports: [AioClockModule.forRoot(), AioClockHttpModule.register({ guards: [AdminGuard] })]
 * ```
 *
 * Routes, under `path` (default `aioclock`): `GET /` the dashboard,
 * `GET /tasks`, `GET /tasks/:name`, `POST /tasks/:name/run`,
 * `POST /tasks/:name/pause`, `POST /tasks/:name/resume`,
 * `GET /overview` (the dashboard's data), and durable schedules:
 * `GET /schedules` (`?handler=&cursor=&limit=`), `GET|PUT|DELETE
 * /schedules/:id`, `POST /schedules/:id/{run,pause,resume}`.
 */
@Module({})
export class AioClockHttpModule implements OnModuleInit {
  private readonly logger = new Logger(AIOCLOCK_LOGGER_CONTEXT);

  constructor(
    @Inject(AIOCLOCK_HTTP_OPTIONS)
    private readonly options: Required<
      Pick<AioClockHttpOptions, 'path' | 'guards'>
    >,
  ) {}

  /**
   * Mounts the endpoints and the dashboard.
   * @param options `path` (default `'aioclock'`), `guards` (default none: a
   *   warning is logged), `imports` (what guard classes inject), `historySize`
   *   (default 30)
   */
  static register(options: AioClockHttpOptions = {}): DynamicModule {
    validateHttpOptions(options);
    // Trailing and doubled slashes would make routes that never match.
    const path = (options.path ?? HTTP_OPTION_DEFAULTS.path)
      .replace(/\/{2,}/g, '/')
      .replace(/^\/+|\/+$/g, '');
    const guards = options.guards ?? [...HTTP_OPTION_DEFAULTS.guards];
    return {
      module: AioClockHttpModule,
      imports: options.imports ?? [...HTTP_OPTION_DEFAULTS.imports],
      controllers: [
        createAioClockHttpController(path, guards),
        createAioClockSchedulesController(path, guards),
      ],
      providers: [
        {
          provide: AIOCLOCK_HTTP_OPTIONS,
          useValue: { ...options, path, guards },
        },
        AioClockRunHistory,
      ],
    };
  }

  onModuleInit(): void {
    if (this.options.guards.length === 0)
      this.logger.warn(httpUnprotected(this.options.path));
  }
}
