import { Module } from '@nestjs/common';
// Published: import { AioClockModule } from 'nestjs-aioclock';
import { AioClockModule } from '../../../lib';
import { ReportService } from './report.service';
import { ReportsTasks } from './reports.tasks';

/** The "reports" group: at most one of its tasks runs at a time. */
@Module({
  imports: [AioClockModule.forFeature({ name: 'reports', concurrency: 1 })],
  providers: [ReportService, ReportsTasks],
})
export class ReportsModule {}
