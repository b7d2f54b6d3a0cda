import { Controller, Injectable, Module, Scope } from '@nestjs/common';
import { AioClockModule, Every, type TaskContext } from '../../lib';
import { Recorder } from './recorder';

@Injectable()
export class PlainTasks {
  constructor(private readonly recorder: Recorder) {}

  @Every({ seconds: 1 })
  tick(ctx: TaskContext): void {
    this.recorder.record(ctx);
  }
}

@Controller()
export class StatusController {
  constructor(private readonly recorder: Recorder) {}

  @Every({ seconds: 2 })
  refresh(ctx: TaskContext): void {
    this.recorder.record(ctx);
  }
}

@Injectable({ scope: Scope.REQUEST })
export class RequestScopedTasks {
  @Every({ seconds: 1 })
  perRequest(): void {}
}

@Injectable({ scope: Scope.TRANSIENT })
export class TransientTasks {
  @Every({ seconds: 1 })
  perInjection(): void {}
}

/** An abstract token the alias points at. */
export abstract class TickSource {}

/** A plain value with no prototype at all: discovery must step over it. */
export const NULL_PROTOTYPE = 'NULL_PROTOTYPE';

@Module({
  controllers: [StatusController],
  providers: [
    Recorder,
    PlainTasks,
    { provide: TickSource, useExisting: PlainTasks },
    { provide: NULL_PROTOTYPE, useValue: Object.create(null) },
    RequestScopedTasks,
    TransientTasks,
  ],
  exports: [Recorder],
})
export class DiscoveryFixturesModule {}

@Injectable()
export class BillingTasks {
  constructor(private readonly recorder: Recorder) {}

  @Every({ seconds: 1 })
  invoice(ctx: TaskContext): void {
    this.recorder.record(ctx);
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'billing', timeout: 500 })],
  providers: [Recorder, BillingTasks],
})
export class BillingModule {}

@Injectable()
export class MailTasks {
  @Every({ seconds: 1 })
  send(): void {}
}

@Module({ providers: [MailTasks] })
export class MailModule {}
