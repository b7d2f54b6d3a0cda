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
  AIOCLOCK_LOGGER_CONTEXT,
  DEFAULT_ENABLED,
  DEFAULT_OPEN_TELEMETRY,
  DEFAULT_SHUTDOWN_TIMEOUT,
  processTimeZone,
} from './aioclock.constants';
import { forRootImportedTwice } from './aioclock.messages';
import { AioClockExplorer } from './aioclock.explorer';
import { AIOCLOCK_OPTIONS } from './aioclock.module-definition';
import { validateModuleOptions } from './options/module.options';
import { Clock } from './clock/clock';
import type { DeclaredTask } from './coordination/coordinator.interface';
import type { AioClockOptions } from './interfaces/aioclock-options.interface';
import { Scheduler } from './scheduler/scheduler';
import type {
  GroupDefinition,
  TaskDefinition,
} from './scheduler/task-definition';

/**
 * Nest's lifecycle, mapped onto the scheduler: discover and register in
 * `onModuleInit`, start in `onApplicationBootstrap`, stop and drain in
 * `beforeApplicationShutdown`.
 */
@Injectable()
export class AioClockOrchestrator
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(AIOCLOCK_LOGGER_CONTEXT);
  private ownScheduler?: Scheduler;
  // With forRoot imported more than once, one instance schedules everything.
  private leader: AioClockOrchestrator = this;
  /** The timed tasks this replica may own under a durable coordinator. */
  private declared: DeclaredTask[] = [];

  constructor(
    @Inject(AIOCLOCK_OPTIONS) private readonly options: AioClockOptions,
    private readonly clock: Clock,
    private readonly explorer: AioClockExplorer,
    private readonly modules: ModulesContainer,
  ) {
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

  onModuleInit(): void {
    // With several forRoot imports, the root module's own one schedules
    // (Nest adds the root right after its internal core module).
    const hosts = this.hosts();
    const root = [...this.modules.values()][1];
    const leading = hosts.find((host) => root?.imports.has(host)) ?? hosts[0];
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
    const { tasks, groups } = this.explorer.explore();
    for (const group of groups) scheduler.addGroup(group);
    for (const task of tasks) scheduler.addTask(task);
    this.declared = declaredTasks(tasks, groups);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.leader !== this) return;
    const scheduler = this.scheduler;
    const coordinator = this.options.coordinator;
    // A replica with scheduling disabled is no member: it owns nothing.
    if (coordinator?.join && (this.options.enabled ?? DEFAULT_ENABLED))
      await coordinator.join(this.declared);
    await scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.leader === this && this.ownScheduler) {
      // Hand the tasks over first, while this replica still fires them.
      await this.options.coordinator?.leave?.();
      await this.ownScheduler.stop(
        this.options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT,
      );
    }
  }
}

/** Timed tasks (those claimed per due time), enabled with their group. */
function declaredTasks(
  tasks: readonly TaskDefinition[],
  groups: readonly GroupDefinition[],
): DeclaredTask[] {
  const disabled = new Set(
    groups
      .filter((group) => group.enabled === false)
      .map((group) => group.name),
  );
  return tasks
    .filter(
      (task) =>
        TIMED_TRIGGERS.has(task.trigger.type) &&
        task.enabled !== false &&
        !disabled.has(task.group),
    )
    .map((task) => {
      const max = (task.trigger as { maxLoopCount?: number }).maxLoopCount;
      return {
        name: task.name,
        maxLoopCount: typeof max === 'number' ? max : null,
        overlap: task.overlap ?? 'skip',
      };
    });
}

const TIMED_TRIGGERS = new Set(['every', 'at', 'cron', 'or']);
