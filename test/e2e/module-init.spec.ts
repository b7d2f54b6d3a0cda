import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  Every,
} from '../../lib';
import { createTestApp } from '../src/create-app';

@Injectable()
class Jobs {
  runs = 0;
  @Every({ seconds: 5 })
  tick(): void {
    this.runs++;
  }
}

/** Uses the registry in its own onModuleInit, as an admin module would. */
@Injectable()
class Admin implements OnModuleInit {
  seen: string[] = [];
  constructor(private readonly registry: AioClockRegistry) {}
  onModuleInit(): void {
    this.seen = this.registry.getTasks().map((task) => task.name);
    this.registry.pause('Jobs.tick');
  }
}

describe('AioClockModule at init', () => {
  it('should have the decorated tasks in the registry for other providers’ onModuleInit', async () => {
    @Module({ providers: [Jobs, Admin] })
    class AppTasks {}
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), AppTasks],
    });
    expect(app.get(Admin).seen).toEqual(['Jobs.tick']);
    // The pause made there holds once the scheduler starts.
    await clock.advance(20_000);
    expect(app.get(Jobs).runs).toBe(0);
    expect(app.get(AioClockRegistry).getTask('Jobs.tick').paused).toBe(true);
    await app.close();
  });

  it('should take the defaults when a forRootAsync factory returns undefined', async () => {
    @Module({ providers: [Jobs] })
    class AppTasks {}
    const { app, clock } = await createTestApp({
      imports: [
        AioClockModule.forRootAsync({ useFactory: () => undefined as never }),
        AppTasks,
      ],
    });
    await clock.advance(5_000);
    expect(app.get(Jobs).runs).toBe(1);
    await app.close();
  });

  it('should refuse one module importing forFeature twice with different options, naming both', async () => {
    @Module({
      imports: [
        AioClockModule.forFeature({ name: 'reports', concurrency: 1 }),
        AioClockModule.forFeature({ name: 'billing', timeout: 5_000 }),
      ],
      providers: [Jobs],
    })
    class Reports {}
    const init = createTestApp({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), Reports],
    });
    await expect(init).rejects.toBeInstanceOf(AioClockError);
    await expect(init).rejects.toThrow(
      'Reports imports AioClockModule.forFeature() twice with different options ({"name":"reports","concurrency":1} and {"name":"billing","timeout":5000})',
    );
  });

  it('should take the same forFeature options imported twice', async () => {
    @Module({
      imports: [
        AioClockModule.forFeature({ name: 'reports' }),
        AioClockModule.forFeature({ name: 'reports' }),
      ],
      providers: [Jobs],
    })
    class Reports {}
    const { app } = await createTestApp({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), Reports],
    });
    expect(app.get(AioClockRegistry).getTask('Jobs.tick').group).toBe(
      'reports',
    );
    await app.close();
  });

  it.each(['first', 'last'])(
    'should schedule with the root module’s own forRoot when a feature module imports another, listed %s',
    async (position) => {
      @Module({
        imports: [AioClockModule.forRoot({ enabled: false })],
        providers: [Jobs],
      })
      class FeatureWithItsOwnForRoot {}
      const root = AioClockModule.forRoot({ timeZone: 'UTC', enabled: true });
      const { app, clock, logger } = await createTestApp({
        imports:
          position === 'first'
            ? [root, FeatureWithItsOwnForRoot]
            : [FeatureWithItsOwnForRoot, root],
      });
      await clock.advance(5_000);
      expect(app.get(Jobs).runs).toBe(1);
      expect(logger.aioclock('warn').map((e) => e.message)).toContain(
        "AioClockModule.forRoot() is imported more than once; the root module's own import (else the first one Nest registers) schedules every task with its options, the others are ignored",
      );
      await app.close();
    },
  );
});
