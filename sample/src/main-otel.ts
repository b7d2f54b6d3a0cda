import 'reflect-metadata';
import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { InvoicesModule } from './otel/invoices.module';
import { startOpenTelemetry } from './otel/open-telemetry';

// First, before the app exists: AioClock's default (openTelemetry: 'auto')
// instruments runs when an SDK is registered by the time the app bootstraps.
const sdk = startOpenTelemetry();

/** Flushes and stops the SDK once AioClock has drained its runs (their spans included). */
@Injectable()
class OpenTelemetryShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return sdk.shutdown();
  }
}

@Module({
  imports: [AppModule, InvoicesModule],
  providers: [OpenTelemetryShutdown],
})
class OtelSampleModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(OtelSampleModule);
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  await app.init();
  // A few runs, then a drained shutdown (SAMPLE_RUN_FOR_MS=0 runs until Ctrl-C).
  const runFor = Number(process.env.SAMPLE_RUN_FOR_MS ?? 4_500);
  if (runFor > 0) setTimeout(() => void app.close(), runFor);
}

void bootstrap();
