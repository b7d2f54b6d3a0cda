import { Injectable } from '@nestjs/common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
// Published: import { Clock, Every, type TaskContext } from 'nestjs-aioclock';
import { Clock, Every, type TaskContext } from '../../../lib';

@Injectable()
export class InvoicesTasks {
  private readonly tracer = trace.getTracer('sample-invoices');
  private syncs = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Every 2 s; every second run fails. The span it starts itself (as an HTTP
   * client's or a database driver's instrumentation would) becomes a child
   * of the run's `aioclock.run invoices.sync` span.
   */
  @Every({ seconds: 2 }, { name: 'invoices.sync' })
  sync(ctx: TaskContext): Promise<number> {
    return this.tracer.startActiveSpan('GET /invoices', async (span) => {
      try {
        await new Promise<void>((done) => this.clock.setTimer(done, 40));
        if (++this.syncs % 2 === 0)
          throw new Error(`payment provider answered 503 (${ctx.name})`);
        return 12;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
