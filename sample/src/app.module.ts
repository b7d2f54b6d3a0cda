import { Module } from '@nestjs/common';
// Published: import { AioClockModule } from 'nestjs-aioclock';
import { AioClockModule } from '../../lib';
import { CleanupModule } from './cleanup/cleanup.module';
import { ReportsModule } from './reports/reports.module';

@Module({
  imports: [
    AioClockModule.forRoot({ timeZone: 'UTC', shutdownTimeout: 5_000 }),
    ReportsModule,
    CleanupModule,
  ],
})
export class AppModule {}
