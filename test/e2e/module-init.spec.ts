import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { AioClockModule, AioClockRegistry, Every } from '../../lib';
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
});
