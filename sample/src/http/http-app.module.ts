import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
// Published: import { AioClockHttpModule } from 'nestjs-aioclock';
import { AioClockHttpModule } from '../../../lib';
// Published: import { AioClockHealthIndicator } from 'nestjs-aioclock/health';
import { AioClockHealthIndicator } from '../../../lib/health';
import { AppModule } from '../app.module';
import { ApiKeyGuard } from './api-key.guard';
import { HealthController } from './health.controller';

/**
 * The sample app behind HTTP: the same tasks, plus the endpoints and the
 * dashboard at /aioclock (behind an API key) and a health check at /health.
 */
@Module({
  imports: [
    AppModule,
    TerminusModule,
    AioClockHttpModule.register({ path: 'aioclock', guards: [ApiKeyGuard] }),
  ],
  controllers: [HealthController],
  providers: [AioClockHealthIndicator],
})
export class HttpAppModule {}
