import { Injectable, Logger } from '@nestjs/common';
// Published: import { At, Cron, Every, OnShutDown, OrTrigger, type TaskContext } from 'nestjs-aioclock';
import {
  At,
  Cron,
  Every,
  OnShutDown,
  OrTrigger,
  type TaskContext,
} from '../../../lib';
import { StorageService } from './storage.service';

@Injectable()
export class CleanupTasks {
  private readonly logger = new Logger(CleanupTasks.name);

  constructor(private readonly storage: StorageService) {}

  @Every({ seconds: 3, firstRunStrategy: 'immediate' })
  async purgeTemp(ctx: TaskContext): Promise<void> {
    const removed = await this.storage.purgeTemp();
    this.logger.log(`ran ${ctx.name}: removed ${removed} temp files`);
  }

  // Every 4 s, and also at the top of every hour: the union, never starving a member.
  @OrTrigger([Every({ seconds: 4 }), Cron('0 * * * *')])
  async rotateLogs(ctx: TaskContext): Promise<void> {
    await this.storage.rotateLogs();
    this.logger.log(`ran ${ctx.name}`);
  }

  @At({ hour: 3, minute: 30, at: 'every sunday', tz: 'Europe/Berlin' })
  async compact(ctx: TaskContext): Promise<void> {
    this.logger.log(`ran ${ctx.name}: weekly compaction`);
  }

  @OnShutDown()
  async flush(): Promise<void> {
    await this.storage.flush();
    this.logger.log(
      'ran flush: storage flushed after every other task stopped',
    );
  }
}
