import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  Clock,
  Every,
  VirtualClock,
} from '../../lib';
import { createTestApp } from '../src/create-app';
import {
  MailService,
  NewsletterModule,
  NewsletterTasks,
  QuietModule,
  QuietTasks,
} from '../src/mail.fixtures';

@Injectable()
class SettingsService {
  readonly zone = 'Europe/Berlin';
  readonly schedulerOn = true;
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

@Injectable()
class CappedTasks {
  runs = 0;
  @Every({ seconds: 5 })
  tick(): void {
    this.runs++;
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'shared', concurrency: 1 })],
  providers: [CappedTasks],
})
class CappedModule {}

@Injectable()
class SwitchedOffTasks {
  runs = 0;
  @Every({ seconds: 5 })
  tick(): void {
    this.runs++;
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'shared', enabled: false })],
  providers: [SwitchedOffTasks],
})
class SwitchedOffModule {}

describe('AioClockModule', () => {
  it('should honour overrideProvider of a task dependency', async () => {
    const fake = {
      sent: [] as string[],
      send(to: string) {
        this.sent.push(to);
      },
    };
    const { app, clock } = await createTestApp(
      { imports: [AioClockModule.forRoot(), NewsletterModule] },
      '2024-01-01T00:00:00Z',
      (b) => b.overrideProvider(MailService).useValue(fake),
    );
    await clock.advance(120_000);
    expect(fake.sent).toEqual([
      'subscriber@2024-01-01T00:01:00.000Z',
      'subscriber@2024-01-01T00:02:00.000Z',
    ]);
    await app.close();
  });

  it('should honour a spy installed on the instance after init', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), NewsletterModule],
    });
    const spy = jest
      .spyOn(app.get(NewsletterTasks), 'weekly')
      .mockImplementation(() => undefined);
    await clock.advance(60_000);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(app.get(MailService).sent).toEqual([]);
    await app.close();
  });

  it('should take options from forRootAsync with imports, inject and useFactory', async () => {
    const { app, clock } = await createTestApp({
      imports: [
        AioClockModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SettingsService],
          useFactory: (settings: SettingsService) => ({
            timeZone: settings.zone,
            enabled: settings.schedulerOn,
          }),
        }),
        NewsletterModule,
      ],
    });
    await clock.advance(60_000);
    expect(app.get(MailService).sent).toHaveLength(1);
    await app.close();
  });

  it('should list but never fire tasks when the module, the group or the task is disabled', async () => {
    const { app, clock } = await createTestApp({
      imports: [
        AioClockModule.forRoot({ enabled: false }),
        NewsletterModule,
        QuietModule,
      ],
    });
    await clock.advance(300_000);
    expect(app.get(MailService).sent).toEqual([]);
    expect(app.get(QuietTasks).runs).toBe(0);
    const tasks = app.get(AioClockRegistry).getTasks();
    expect(tasks.map((t) => t.name).sort()).toEqual([
      'NewsletterTasks.disabled',
      'NewsletterTasks.weekly',
      'QuietTasks.tick',
    ]);
    expect(tasks.every((t) => t.nextRunAt === null && t.runs === 0)).toBe(true);
    await app.close();

    const enabled = await createTestApp({
      imports: [AioClockModule.forRoot(), NewsletterModule, QuietModule],
    });
    await enabled.clock.advance(60_000);
    expect(enabled.app.get(MailService).sent).toHaveLength(1); // the disabled task never sends 'never'
    expect(enabled.app.get(QuietTasks).runs).toBe(0); // its group is disabled
    await enabled.app.close();
  });

  it('should give a group named by two modules the options of both', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), CappedModule, SwitchedOffModule],
    });
    await clock.advance(20_000);
    // SwitchedOffModule's enabled: false applies to the whole group, CappedModule's tasks included.
    expect(app.get(CappedTasks).runs).toBe(0);
    expect(app.get(SwitchedOffTasks).runs).toBe(0);
    expect(
      app
        .get(AioClockRegistry)
        .getTasks()
        .map((task) => [task.name, task.group]),
    ).toEqual([
      ['CappedTasks.tick', 'shared'],
      ['SwitchedOffTasks.tick', 'shared'],
    ]);
    await app.close();
  });

  it('should not run any task twice when forRoot is imported twice', async () => {
    @Module({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), NewsletterModule],
    })
    class FeatureWithItsOwnForRoot {}
    const { app, clock } = await createTestApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'Europe/Berlin' }),
        FeatureWithItsOwnForRoot,
      ],
    });
    await clock.advance(180_000);
    expect(app.get(MailService).sent).toHaveLength(3);
    expect(
      app.get(AioClockRegistry).getTask('NewsletterTasks.weekly').runs,
    ).toBe(3);
    await app.close();
  });

  it('should reject init on an unknown time zone and other bad options, naming the value', async () => {
    const build = (options: object) =>
      Test.createTestingModule({
        imports: [AioClockModule.forRoot(options as never)],
      })
        .overrideProvider(Clock)
        .useValue(new VirtualClock(new Date(0)))
        .compile()
        .then((m) => m.init());
    await expect(build({ timeZone: 'Mars/Olympus' })).rejects.toThrow(
      AioClockError,
    );
    await expect(build({ timeZone: 'Mars/Olympus' })).rejects.toThrow(
      'AioClockModule: invalid timeZone: "Mars/Olympus" (expected an IANA time zone such as "Europe/Berlin" or "UTC")',
    );
    await expect(build({ shutdownTimeout: -1 })).rejects.toThrow(
      'AioClockModule: invalid shutdownTimeout: -1',
    );
    await expect(build({ enabld: false })).rejects.toThrow(
      'AioClockModule: unknown option "enabld"',
    );
  });

  it('should keep two apps in one process independent', async () => {
    const first = await createTestApp(
      { imports: [AioClockModule.forRoot(), NewsletterModule] },
      '2024-01-01T00:00:00Z',
    );
    const second = await createTestApp(
      { imports: [AioClockModule.forRoot(), NewsletterModule] },
      '2030-01-01T00:00:00Z',
    );
    await first.clock.advance(120_000);
    expect(first.app.get(MailService).sent).toHaveLength(2);
    expect(second.app.get(MailService).sent).toHaveLength(0);
    second.app.get(AioClockRegistry).pause('NewsletterTasks.weekly');
    await first.app.close();
    await second.clock.advance(60_000);
    expect(second.app.get(MailService).sent).toHaveLength(0);
    second.app.get(AioClockRegistry).resume('NewsletterTasks.weekly');
    await second.clock.advance(60_000);
    expect(second.app.get(MailService).sent).toEqual([
      'subscriber@2030-01-01T00:02:00.000Z',
    ]);
    expect(first.clock.pendingTimers()).toBe(0);
    await second.app.close();
  });
});
