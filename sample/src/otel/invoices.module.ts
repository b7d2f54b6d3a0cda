import { Module } from '@nestjs/common';
// Published: import { AioClockModule } from 'nestjs-aioclock';
import { AioClockModule } from '../../../lib';
import { InvoicesTasks } from './invoices.tasks';

/** The "invoices" group: one task that calls out and sometimes fails. */
@Module({
  imports: [AioClockModule.forFeature({ name: 'invoices' })],
  providers: [InvoicesTasks],
})
export class InvoicesModule {}
