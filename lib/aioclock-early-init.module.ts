import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { AioClockOrchestrator } from './aioclock.orchestrator';

/**
 * Registers the app's decorated tasks before any other module's
 * `onModuleInit`, so a provider using the registry there finds them:
 * AioClock's own module runs its hooks last (see `AioClockOrchestrator`), and
 * a global module like this one runs them first. Every instance exists by
 * then: Nest creates them all before the first hook.
 */
@Injectable()
export class AioClockEarlyInit implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {}

  onModuleInit(): void {
    for (const module of this.modules.values()) {
      const orchestrator = module.providers.get(AioClockOrchestrator)?.instance;
      if (orchestrator instanceof AioClockOrchestrator) orchestrator.prepare();
    }
  }
}

/** Imported by `AioClockModule`; global so that its hook runs first. */
@Global()
@Module({ providers: [AioClockEarlyInit] })
export class AioClockEarlyInitModule {}
