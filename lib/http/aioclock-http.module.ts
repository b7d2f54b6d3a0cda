import {
  DynamicModule,
  Inject,
  Logger,
  Module,
  OnModuleInit,
} from '@nestjs/common';
import { AIOCLOCK_LOGGER_CONTEXT } from '../aioclock.constants';
import {
  httpUnprotected,
  invalidOption,
  unknownOption,
} from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import {
  AIOCLOCK_HTTP_OPTIONS,
  DEFAULT_HTTP_PATH,
} from './aioclock-http.constants';
import { createAioClockHttpController } from './aioclock-http.controller';
import { AioClockRunHistory } from './aioclock-http.history';
import type { AioClockHttpOptions } from './aioclock-http-options.interface';

const OWNER = 'AioClockHttpModule.register()';
const ALLOWED: ReadonlyArray<keyof AioClockHttpOptions> = [
  'path',
  'guards',
  'imports',
  'historySize',
];

/** Checks every option once, so a typo such as `guard:` cannot silently leave the endpoints open. */
function validate(options: AioClockHttpOptions): void {
  if (options === null || typeof options !== 'object')
    throw new AioClockError(
      invalidOption(OWNER, 'options', options, 'an object'),
    );
  for (const key of Object.keys(options)) {
    if (!(ALLOWED as readonly string[]).includes(key))
      throw new AioClockError(unknownOption(OWNER, key, ALLOWED));
  }
  if (options.path !== undefined && typeof options.path !== 'string') {
    throw new AioClockError(
      invalidOption(OWNER, 'path', options.path, "a string such as 'aioclock'"),
    );
  }
  if (
    options.guards !== undefined &&
    (!Array.isArray(options.guards) || options.guards.some((g) => !g))
  ) {
    throw new AioClockError(
      invalidOption(
        OWNER,
        'guards',
        options.guards,
        'an array of guard classes or instances',
      ),
    );
  }
  const size = options.historySize;
  if (
    size !== undefined &&
    (!Number.isInteger(size) || size < 1 || size > 1_000)
  ) {
    throw new AioClockError(
      invalidOption(OWNER, 'historySize', size, 'an integer from 1 to 1000'),
    );
  }
}

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
 * `POST /tasks/:name/pause`, `POST /tasks/:name/resume`, and
 * `GET /overview` (the dashboard's data).
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
    validate(options);
    // Trailing and doubled slashes would make routes that never match.
    const path = (options.path ?? DEFAULT_HTTP_PATH)
      .replace(/\/{2,}/g, '/')
      .replace(/^\/+|\/+$/g, '');
    const guards = options.guards ?? [];
    return {
      module: AioClockHttpModule,
      imports: options.imports ?? [],
      controllers: [createAioClockHttpController(path, guards)],
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
