import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { Module } from '@nestjs/core/injector/module';
import {
  AIOCLOCK_GROUP_OPTIONS,
  AIOCLOCK_LOGGER_CONTEXT,
} from './aioclock.constants';
import {
  duplicateScheduleHandler,
  duplicateTaskName,
  forFeatureImportedTwice,
  groupOptionsClash,
  requestScopedTask,
} from './aioclock.messages';
import { getScheduleHandlerMetadata } from './decorators/schedule-handler.decorator';
import type { ScheduleHandlerDefinition } from './schedules/schedule-handler';
import { validateGroupOptions } from './options/group.options';
import { AioClockFeatureModule } from './aioclock-feature.module';
import { getTaskMetadata, type TaskMetadata } from './decorators/task-metadata';
import { AioClockError } from './errors/aioclock.error';
import { InvalidTriggerError } from './errors/invalid-trigger.error';
import type { GroupOptions } from './interfaces/group-options.interface';
import type { TaskContext } from './interfaces/task-context.interface';
import type {
  GroupDefinition,
  TaskDefinition,
} from './scheduler/task-definition';

/** What discovery found: tasks ready for the scheduler, their groups, and the schedule handlers. */
export interface ExploredTasks {
  tasks: TaskDefinition[];
  groups: GroupDefinition[];
  handlers: ScheduleHandlerDefinition[];
}

/** A `@ScheduleHandler` method, called late-bound with `(payload, ctx)`. */
class DiscoveredHandler implements ScheduleHandlerDefinition {
  constructor(
    readonly name: string,
    readonly group: string,
    private readonly instance: object,
    private readonly method: string,
    /** `Class.method`, for messages. */
    readonly label: string,
  ) {}

  /** The same method of the same instance (one instance behind two wrappers). */
  sameAs(instance: object, method: string): boolean {
    return this.instance === instance && this.method === method;
  }

  invoke(payload: unknown, ctx: TaskContext): unknown {
    const instance = this.instance;
    return (
      Reflect.get(instance, this.method) as (
        payload: unknown,
        ctx: TaskContext,
      ) => unknown
    ).call(instance, payload, ctx);
  }
}

/**
 * What warm-up copies of tasks call: functions of the kinds tasks are (a class
 * method, a function expression) that do nothing but read the context's
 * dates, as many tasks do — so that V8 has seen all of it before the first
 * real run and does not throw its optimised code away then.
 */
class NoopTarget {
  readonly expression = function (): void {};
  method(ctx: TaskContext): void {
    void ctx.scheduledAt;
    void ctx.startedAt;
  }
}
const NOOP_TARGET = new NoopTarget() as unknown as Record<
  string,
  (ctx: TaskContext) => unknown
>;
const NOOP_METHODS = ['method', 'expression'];

/** The object in `prototype`'s chain that has `key` as its own property (the class declaring that method). */
function ownerOf(prototype: object, key: string): object {
  let owner: object | null = prototype;
  while (owner !== null && !Object.prototype.hasOwnProperty.call(owner, key))
    owner = Object.getPrototypeOf(owner) as object | null;
  return owner ?? prototype;
}

/**
 * A discovered method as the scheduler's task definition. `invoke` is a
 * prototype method that looks the method up at call time (late-bound: a spy
 * or override installed after init is honoured), so there is no closure per
 * task — which adds up with tens of thousands of them. The options are read
 * through the decorator's metadata rather than copied, for the same reason.
 */
class DiscoveredTask implements TaskDefinition {
  constructor(
    readonly name: string,
    readonly group: string,
    private readonly metadata: TaskMetadata,
    readonly target: Record<string, (ctx: TaskContext) => unknown>,
    readonly methodKey: string,
  ) {}

  get trigger(): TaskDefinition['trigger'] {
    return this.metadata.spec;
  }

  get timeout(): number | undefined {
    return this.metadata.options.timeout;
  }

  get overlap(): TaskDefinition['overlap'] {
    return this.metadata.options.overlap;
  }

  get enabled(): boolean | undefined {
    return this.metadata.options.enabled;
  }

  get retry(): TaskDefinition['retry'] {
    return this.metadata.options.retry;
  }

  get jitter(): number | undefined {
    return this.metadata.options.jitter;
  }

  get startAt(): TaskDefinition['startAt'] {
    return this.metadata.options.startAt;
  }

  get endAt(): TaskDefinition['endAt'] {
    return this.metadata.options.endAt;
  }

  get pauseOnFailure(): number | undefined {
    return this.metadata.options.pauseOnFailure;
  }

  get catchUp(): TaskDefinition['catchUp'] {
    return this.metadata.options.catchUp;
  }

  get catchUpWindow(): number | undefined {
    return this.metadata.options.catchUpWindow;
  }

  /**
   * A copy of `like` (same class, same trigger) that does nothing when
   * invoked, for the scheduler's warm-up; copies alternate between the kinds
   * of no-op function by `index`.
   */
  static noop(
    like: TaskDefinition,
    name: string,
    index: number,
  ): TaskDefinition | null {
    if (!(like instanceof DiscoveredTask)) return null;
    const method = NOOP_METHODS[index % NOOP_METHODS.length];
    return new DiscoveredTask(
      name,
      like.group,
      like.metadata,
      NOOP_TARGET,
      method,
    );
  }

  invoke(ctx: TaskContext): unknown {
    // Same lookup as instance[method](ctx), but with thousands of distinct
    // (class, method) pairs a keyed load misses V8's megamorphic cache on
    // almost every run, while Reflect.get does the lookup without it (~2x faster).
    const target = this.target;
    return (
      Reflect.get(target, this.methodKey) as (ctx: TaskContext) => unknown
    ).call(target, ctx);
  }
}

/**
 * Discovery only: walks the app's providers and controllers and turns every
 * decorated method into a task definition. Arms no timer.
 */
@Injectable()
export class AioClockExplorer {
  private readonly logger = new Logger(AIOCLOCK_LOGGER_CONTEXT);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** A no-op copy of a discovered task, for `SchedulerOptions.noopTask`; `null` for any other definition. */
  noopTask(
    like: TaskDefinition,
    name: string,
    index: number,
  ): TaskDefinition | null {
    return DiscoveredTask.noop(like, name, index);
  }

  /**
   * Finds every decorated method.
   * @throws InvalidTriggerError for a duplicate task name, AioClockError for bad group options
   */
  explore(): ExploredTasks {
    const tasks: TaskDefinition[] = [];
    const groups = new Map<string, GroupDefinition>();
    this.groupModules.clear();
    const labels = new Map<string, string>();
    // One instance can sit behind several wrappers (useValue twice); schedule it once.
    const seen = new Map<object, Set<string>>();
    const handlers = new Map<string, DiscoveredHandler>();

    for (const wrapper of [
      ...this.discovery.getProviders(),
      ...this.discovery.getControllers(),
    ]) {
      if (wrapper.isAlias) continue;
      const prototype = this.prototypeOf(wrapper);
      if (!prototype) continue;
      // Per wrapper, worked out at its first decorated method (most have none):
      // the class name, its scope, its instance's scheduled methods, its group.
      let className: string | undefined;
      let scope: ReturnType<AioClockExplorer['unsupportedScope']> | null = null;
      let methods: Set<string> | undefined;
      let group: GroupDefinition | undefined;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const owner = ownerOf(prototype, method);
        const handler = getScheduleHandlerMetadata(owner, method);
        if (handler) {
          group ??= this.groupOf(wrapper.host as Module | undefined, groups);
          this.addHandler(
            wrapper,
            prototype,
            method,
            handler.name,
            group,
            handlers,
          );
        }
        const metadata = getTaskMetadata(owner, method);
        if (!metadata) continue;
        className ??= prototype.constructor?.name ?? 'Anonymous';
        // join makes one flat string; a template literal this long makes two
        // cons strings (64 B instead of 40 B), kept per task as its name.
        const label = [className, method].join('.');

        if (scope === null) scope = this.unsupportedScope(wrapper);
        if (scope) {
          this.logger.warn(requestScopedTask(label, scope));
          continue;
        }
        const instance = wrapper.instance as Record<
          string,
          (ctx: TaskContext) => unknown
        >;
        if (methods === undefined) {
          methods = seen.get(instance);
          if (methods === undefined) {
            methods = new Set<string>();
            seen.set(instance, methods);
          }
        }
        if (methods.has(method)) continue;
        methods.add(method);

        const name = metadata.options.name ?? label;
        const previous = labels.get(name);
        if (previous)
          throw new InvalidTriggerError(
            duplicateTaskName(name, previous, label),
            'name',
            name,
          );
        labels.set(name, label);

        group ??= this.groupOf(wrapper.host as Module | undefined, groups);
        tasks.push(
          new DiscoveredTask(name, group.name, metadata, instance, method),
        );
      }
    }
    return {
      tasks,
      groups: [...groups.values()],
      handlers: [...handlers.values()],
    };
  }

  /** Adds a `@ScheduleHandler` method (request-scoped and transient ones are warned about and skipped). */
  private addHandler(
    wrapper: InstanceWrapper,
    prototype: Record<string, any>,
    method: string,
    given: string | undefined,
    group: GroupDefinition,
    handlers: Map<string, DiscoveredHandler>,
  ): void {
    const label = [prototype.constructor?.name ?? 'Anonymous', method].join(
      '.',
    );
    const scope = this.unsupportedScope(wrapper);
    if (scope) {
      this.logger.warn(requestScopedTask(label, scope));
      return;
    }
    const instance = wrapper.instance as object;
    const name = given ?? label;
    const previous = handlers.get(name);
    if (previous) {
      if (previous.sameAs(instance, method)) return;
      throw new InvalidTriggerError(
        duplicateScheduleHandler(name, previous.label, label),
        'name',
        name,
      );
    }
    handlers.set(
      name,
      new DiscoveredHandler(name, group.name, instance, method, label),
    );
  }

  private prototypeOf(
    wrapper: InstanceWrapper,
  ): Record<string, any> | undefined {
    const { instance, metatype } = wrapper;
    if (instance && typeof instance === 'object') {
      // A null-prototype instance (Object.create(null)) has no methods to scan.
      return Object.getPrototypeOf(instance) ?? undefined;
    }
    // Request-scoped and transient wrappers may hold no instance; their class still has the metadata.
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
      if (
        typeof metatype === 'function' &&
        !wrapper.inject &&
        metatype.prototype
      )
        return metatype.prototype;
    }
    return undefined;
  }

  private unsupportedScope(
    wrapper: InstanceWrapper,
  ): 'request-scoped' | 'transient' | undefined {
    if (wrapper.isTransient) return 'transient';
    if (!wrapper.isDependencyTreeStatic()) return 'request-scoped';
    return undefined;
  }

  /** The group is the module that declares the provider, renamed/configured by its forFeature import. */
  private groupOf(
    host: Module | undefined,
    groups: Map<string, GroupDefinition>,
  ): GroupDefinition {
    const moduleName = host?.metatype?.name ?? 'default';
    const options = host ? this.featureOptions(host, moduleName) : undefined;
    if (options)
      validateGroupOptions(
        `AioClockModule.forFeature() in ${moduleName}`,
        options,
      );
    const name = options?.name ?? moduleName;
    const defined = {
      name,
      timeout: options?.timeout,
      concurrency: options?.concurrency,
      enabled: options?.enabled,
    };
    const group = groups.get(name);
    if (!group) {
      groups.set(name, defined);
      this.groupModules.set(name, moduleName);
      return defined;
    }
    // Another module names the same group: its options add to the group's,
    // and may not contradict them (one would be dropped).
    for (const option of ['timeout', 'concurrency', 'enabled'] as const) {
      if (defined[option] === undefined || group[option] === defined[option])
        continue;
      if (group[option] === undefined) {
        (group as Record<typeof option, unknown>)[option] = defined[option];
        continue;
      }
      throw new AioClockError(
        groupOptionsClash(
          name,
          option,
          this.groupModules.get(name) ?? 'another module',
          moduleName,
        ),
      );
    }
    return group;
  }

  /** Group name → the module that first defined it, for `groupOf`'s clash error. */
  private readonly groupModules = new Map<string, string>();

  /** The module's forFeature options; imported twice, they must be the same (one would be dropped). */
  private featureOptions(
    host: Module,
    moduleName: string,
  ): GroupOptions | undefined {
    let found: GroupOptions | undefined;
    for (const imported of host.imports) {
      if (imported?.metatype !== AioClockFeatureModule) continue;
      const options = imported.providers.get(AIOCLOCK_GROUP_OPTIONS)
        ?.instance as GroupOptions | undefined;
      if (options === undefined) continue;
      if (found !== undefined && !sameGroupOptions(found, options))
        throw new AioClockError(
          forFeatureImportedTwice(moduleName, found, options),
        );
      found ??= options;
    }
    return found;
  }
}

/** The same group options, key by key (`undefined` and absent alike). */
function sameGroupOptions(a: GroupOptions, b: GroupOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys)
    if (
      (a as Record<string, unknown>)[key] !==
      (b as Record<string, unknown>)[key]
    )
      return false;
  return true;
}
