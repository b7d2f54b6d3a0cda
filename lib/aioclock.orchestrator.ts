import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { AIOCLOCK_LOGGER_CONTEXT, DEFAULT_ENABLED, DEFAULT_SHUTDOWN_TIMEOUT, processTimeZone } from './aioclock.constants';
import { forRootImportedTwice } from './aioclock.messages';
import { AioClockExplorer } from './aioclock.explorer';
import { AIOCLOCK_OPTIONS } from './aioclock.module-definition';
import { validateModuleOptions } from './aioclock.validation';
import { Clock } from './clock/clock';
import type { AioClockOptions } from './interfaces/aioclock-options.interface';
import { Scheduler } from './scheduler/scheduler';

/**
 * Nest's lifecycle, mapped onto the scheduler: discover and register in
 * `onModuleInit`, start in `onApplicationBootstrap`, stop and drain in
 * `beforeApplicationShutdown`.
 */
@Injectable()
export class AioClockOrchestrator implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AIOCLOCK_LOGGER_CONTEXT);
  private ownScheduler?: Scheduler;
  // With forRoot imported twice (different options), the first instance schedules everything.
  private leader: AioClockOrchestrator = this;

  constructor(
    @Inject(AIOCLOCK_OPTIONS) private readonly options: AioClockOptions,
    private readonly clock: Clock,
    private readonly explorer: AioClockExplorer,
    private readonly discovery: DiscoveryService,
  ) {}

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
      });
    }
    return this.ownScheduler;
  }

  onModuleInit(): void {
    const orchestrators = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance)
      .filter((instance): instance is AioClockOrchestrator => instance instanceof AioClockOrchestrator);
    this.leader = orchestrators[0] ?? this;
    if (this.leader !== this) {
      this.logger.warn(forRootImportedTwice());
      return;
    }
    const scheduler = this.scheduler;
    const { tasks, groups } = this.explorer.explore();
    for (const group of groups) scheduler.addGroup(group);
    for (const task of tasks) scheduler.addTask(task);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.leader === this) await this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.leader === this && this.ownScheduler) {
      await this.ownScheduler.stop(this.options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT);
    }
  }
}
