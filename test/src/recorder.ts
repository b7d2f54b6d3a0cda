import { Injectable } from '@nestjs/common';
import type { TaskContext } from '../../lib';

/** Records every run: task name → the ISO due times it ran for. A dependency tests can read or override. */
@Injectable()
export class Recorder {
  readonly runs: Record<string, string[]> = {};

  record(ctx: TaskContext): void {
    (this.runs[ctx.name] ??= []).push(ctx.scheduledAt.toISOString());
  }

  count(name: string): number {
    return this.runs[name]?.length ?? 0;
  }
}
