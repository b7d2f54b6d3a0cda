import { SpanStatusCode } from '@opentelemetry/api';
import { Test, type TestingModule } from '@nestjs/testing';
// Published: import { AioClockModule, Clock, VirtualClock } from 'nestjs-aioclock';
import { AioClockModule, Clock, VirtualClock } from '../../lib';
import {
  registerTestOtelSdk,
  type TestOtelSdk,
} from '../../test/src/otel/otel-sdk';
import { InvoicesModule } from '../src/otel/invoices.module';

describe('Sample: OpenTelemetry (npm run sample:otel)', () => {
  let sdk: TestOtelSdk;
  let app: TestingModule;
  let clock: VirtualClock;

  beforeEach(async () => {
    sdk = registerTestOtelSdk();
    clock = new VirtualClock(new Date('2024-06-03T08:00:00Z'));
    app = await Test.createTestingModule({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), InvoicesModule],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    app.useLogger(false);
    await app.init();
  });

  afterEach(async () => {
    await app.close();
    await sdk.shutdown();
  });

  it("should trace each invoices.sync run with the task's own call as its child", async () => {
    await clock.advance(4_100);
    const runs = sdk
      .spans()
      .filter((s) => s.name === 'aioclock.run invoices.sync');
    const calls = sdk.spans().filter((s) => s.name === 'GET /invoices');
    expect(runs.map((s) => s.attributes['aioclock.group'])).toEqual([
      'invoices',
      'invoices',
    ]);
    expect(calls.map((c) => c.parentSpanContext?.spanId)).toEqual(
      runs.map((r) => r.spanContext().spanId),
    );
    // Every second run fails: its span says so.
    expect(runs.map((r) => r.status.code)).toEqual([
      SpanStatusCode.UNSET,
      SpanStatusCode.ERROR,
    ]);
  });
});
