import { Injectable, Logger } from '@nestjs/common';
// Published: import { Cron, Every, OnStartUp, type TaskContext } from 'nestjs-aioclock';
import { Cron, Every, OnStartUp, type TaskContext } from '../../../lib';
import { ReportService } from './report.service';

@Injectable()
export class ReportsTasks {
  private readonly logger = new Logger(ReportsTasks.name);

  constructor(private readonly reports: ReportService) {}

  @OnStartUp()
  async warmUp(): Promise<void> {
    this.logger.log('ran warmUp: reports are ready before any schedule fires');
  }

  @Every({ seconds: 2 })
  async snapshot(ctx: TaskContext): Promise<void> {
    const n = await this.reports.snapshot();
    this.logger.log(
      `ran ${ctx.name} #${n} (group ${ctx.group}, due ${ctx.scheduledAt.toISOString()})`,
    );
  }

  @Cron('*/5 * * * * *', { name: 'reports.digest', timeout: 2_000 })
  async digest(ctx: TaskContext): Promise<void> {
    const digest = await this.reports.publishDigest();
    this.logger.log(`ran ${ctx.name}: ${digest}`);
  }
}
