import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Module } from '@nestjs/core/injector/module';
import {
  AIOCLOCK_IMPORT_ID,
  AIOCLOCK_LOGGER_CONTEXT,
  DEFAULT_ENABLED,
  DEFAULT_OPEN_TELEMETRY,
  DEFAULT_SHUTDOWN_TIMEOUT,
  processTimeZone,
} from './aioclock.constants';
import {
  forRootImportedTwice,
  removedTaskNotForgotten,
} from './aioclock.messages';
import { describeError } from './errors/describe-error';
import { AioClockExplorer } from './aioclock.explorer';
import { AIOCLOCK_OPTIONS } from './aioclock.module-definition';
import { validateModuleOptions } from './options/module.options';
import { Clock } from './clock/clock';
import { MemoryScheduleStore } from './coordination/memory-schedule-store';
import type { AioClockOptions } from './interfaces/aioclock-options.interface';
import { declaredTasks } from './scheduler/declared-tasks';
import { Scheduler } from './scheduler/scheduler';
import { DurableSchedules } from './schedules/durable-schedules';

/**
 * Nest's lifecycle, mapped onto the scheduler: discover and register in
 * `onModuleInit`, start in `onApplicationBootstrap`, stop and drain in
 * `beforeApplicationShutdown`.
 */
@Injectable()
export class AioClockOrchestrator
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  /** Nest's logger, context `AioClock`. */
  readonly logger = new Logger(AIOCLOCK_LOGGER_CONTEXT);
  private ownScheduler?: Scheduler;
  // With forRoot imported more than once, one instance schedules everything.
  private leader: AioClockOrchestrator = this;
  private ownSchedules?: DurableSchedules;
  /** A member of a durable coordinator's cluster (joined, not left). */
  private member = false;
  private redeclaring = false;
  /** `prepare` has run. */
  private prepared = false;
  /** As given; `forRootAsync`'s factory may have returned `undefined` (the defaults, as `forRoot()`). */
  private readonly options: AioClockOptions;

  constructor(
    @Inject(AIOCLOCK_OPTIONS) options: AioClockOptions | undefined,
    private readonly clock: Clock,
    private readonly explorer: AioClockExplorer,
    private readonly modules: ModulesContainer,
  ) {
    this.options = options === undefined ? {} : options;
    // Nest runs a global module's hooks first on init and last on shutdown, so
    // @OnStartUp tasks would run before other modules' onApplicationBootstrap
    // (a database not yet connected). Placed below the root instead, AioClock
    // starts after every other module's bootstrap hook, and drains before their
    // beforeApplicationShutdown/onApplicationShutdown hooks (every module's
    // onModuleDestroy still comes first: Nest runs that phase for all modules).
    for (const host of this.hosts()) host.distance = -1;
  }

  /** The modules hosting an orchestrator: one per `forRoot` import. */
  private hosts(): Module[] {
    return [...this.modules.values()].filter((module) =>
      module.providers.has(AioClockOrchestrator),
    );
  }

  /** The scheduler that runs this app's tasks (created on first use, with validated options). */
  get scheduler(): Scheduler {
    if (this.leader !== this) return this.leader.scheduler;
    if (!this.ownScheduler) {
      validateModuleOptions(this.options);
      this.ownScheduler = new Scheduler({
        clock: this.clock,
        logger: this.logger,
        timeZone: this.options.timeZone ?? processTimeZone(),
        enabled: this.options.enabled ?? DEFAULT_ENABLED,
        coordinator: this.options.coordinator,
        openTelemetry: this.options.openTelemetry ?? DEFAULT_OPEN_TELEMETRY,
        noopTask: (like, name, index) =>
          this.explorer.noopTask(like, name, index),
      });
    }
    return this.ownScheduler;
  }

  /** This app's durable schedules (in the coordinator's store, else in memory). */
  get schedules(): DurableSchedules {
    if (this.leader !== this) return this.leader.schedules;
    this.ownSchedules ??= new DurableSchedules({
      scheduler: this.scheduler,
      store:
        this.options.coordinator?.schedules ??
        new MemoryScheduleStore(() => this.clock.timestamp()),
      logger: this.logger,
      coordinator: this.options.coordinator,
      onTasksChanged: () => this.tasksChanged(),
    });
    return this.ownSchedules;
  }

  /** True when schedules live in a durable coordinator's store, shared by replicas. */
  get durableSchedules(): boolean {
    return this.options.coordinator?.schedules !== undefined;
  }

  /**
   * Timed tasks were added, removed or rescheduled at run time: a durable
   * coordinator hears of the new set once the current turn is over (a burst
   * of changes makes one announcement).
   */
  tasksChanged(): void {
    if (this.leader !== this) return this.leader.tasksChanged();
    if (!this.member || this.redeclaring) return;
    this.redeclaring = true;
    queueMicrotask(() => {
      this.redeclaring = false;
      const scheduler = this.scheduler;
      if (this.member)
        this.options.coordinator?.declare?.(
          declaredTasks(scheduler.tasks.values(), (task) =>
            scheduler.isEnabled(task),
          ),
        );
    });
  }

  /**
   * A task added at run time was removed and has no run in flight here: a
   * durable coordinator deletes its state and history, unless another replica
   * still declares it. A failure is logged; the task is gone either way.
   */
  async forgetRemovedTask(name: string): Promise<void> {
    if (this.leader !== this) return this.leader.forgetRemovedTask(name);
    const coordinator = this.options.coordinator;
    const scheduler = this.scheduler;
    // Added again meanwhile (now or before the delete): the state is the new task's.
    if (!coordinator?.forgetTask || scheduler.tasks.has(name)) return;
    try {
      await coordinator.forgetTask(name, () => !scheduler.tasks.has(name));
    } catch (error) {
      try {
        this.logger.warn(removedTaskNotForgotten(name, describeError(error)));
      } catch {
        // A broken app logger must not fail removeTask.
      }
    }
  }

  onModuleInit(): void {
    this.prepare();
  }

  /**
   * Elects the instance that schedules (when forRoot is imported more than
   * once) and, on it, registers the app's decorated tasks and groups. Once,
   * at the first of `AioClockEarlyInit.onModuleInit` and this module's own.
   */
  prepare(): void {
    if (this.prepared) return;
    this.prepared = true;
    // With several forRoot imports, the root module's own one schedules
    // (Nest adds the root right after its internal core module).
    const hosts = this.hosts();
    const root = [...this.modules.values()][1];
    const declared = rootImportIds(root);
    const leading =
      hosts.find((host) =>
        declared.has(host.providers.get(AIOCLOCK_IMPORT_ID)?.instance),
      ) ?? hosts[0];
    const leader = leading?.providers.get(AioClockOrchestrator)?.instance;
    this.leader = leader instanceof AioClockOrchestrator ? leader : this;
    if (this.leader !== this) {
      try {
        this.logger.warn(forRootImportedTwice());
      } catch {
        // A broken app logger must not fail init over a warning.
      }
      return;
    }
    const scheduler = this.scheduler;
    const { tasks, groups, handlers } = this.explorer.explore();
    for (const group of groups) scheduler.addGroup(group);
    for (const task of tasks) scheduler.addTask(task);
    this.schedules.addHandlers(handlers);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.leader !== this) return;
    const scheduler = this.scheduler;
    const coordinator = this.options.coordinator;
    // Its schedules are tasks it declares: loaded before joining.
    await this.schedules.start();
    // A replica with scheduling disabled is no member: it owns nothing.
    if (coordinator?.join && (this.options.enabled ?? DEFAULT_ENABLED)) {
      await coordinator.join(
        declaredTasks(scheduler.tasks.values(), (task) =>
          scheduler.isEnabled(task),
        ),
      );
      this.member = true;
    }
    await scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.leader === this && this.ownScheduler) {
      this.ownSchedules?.stop();
      this.member = false;
      // Hand the tasks over first, while this replica still fires them.
      await this.options.coordinator?.leave?.();
      await this.ownScheduler.stop(
        this.options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT,
      );
    }
  }
}

/**
 * The ids of the forRoot imports the root module itself declares (its
 * `@Module` metadata, not the global modules Nest adds to its imports).
 */
function rootImportIds(root: Module | undefined): Set<unknown> {
  const ids = new Set<unknown>();
  const metatype = root?.metatype;
  if (typeof metatype !== 'function') return ids;
  const declared = Reflect.getMetadata('imports', metatype) as unknown;
  if (!Array.isArray(declared)) return ids;
  for (const imported of declared) {
    const providers = (imported as { providers?: unknown } | null)?.providers;
    if (!Array.isArray(providers)) continue;
    for (const provider of providers as {
      provide?: unknown;
      useValue?: unknown;
    }[])
      if (provider?.provide === AIOCLOCK_IMPORT_ID) ids.add(provider.useValue);
  }
  return ids;
}
