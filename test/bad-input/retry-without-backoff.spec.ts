import { Injectable, Module } from '@nestjs/common';
import { AioClockModule, AioClockRegistry, Every } from '../../lib';
import { createTestApp } from '../src/create-app';
import { ReportsModule } from '../src/schedules/schedules.fixtures';

// README: `retry.backoff` is optional ("no delay" by default); the interface
// types it `backoff?: RetryBackoffOptions`. `retry: { attempts: 3 }` must be accepted.
describe('A retry without backoff (README: no delay)', () => {
  it('should accept @Every(..., { retry: { attempts: 3 } }) on a method', () => {
    const apply = () => {
      @Injectable()
      class RetryTasks {
        @Every({ seconds: 5 }, { retry: { attempts: 3 } })
        run(): void {}
      }
      return RetryTasks;
    };
    expect(apply).not.toThrow();
  });

  it('should accept retry: { attempts: 3 } in addTask and upsertSchedule', async () => {
    @Module({})
    class Empty {}
    const { app } = await createTestApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC' }),
        ReportsModule,
        Empty,
      ],
    });
    const registry = app.get(AioClockRegistry);
    expect(() =>
      registry.addTask({
        name: 'retrying',
        trigger: Every({ seconds: 5 }),
        run: () => undefined,
        retry: { attempts: 3 },
      }),
    ).not.toThrow();
    await expect(
      registry.upsertSchedule({
        id: 'retrying',
        handler: 'reports.send',
        trigger: { type: 'every', seconds: 5 },
        retry: { attempts: 3 },
      }),
    ).resolves.toMatchObject({ id: 'retrying' });
    await app.close();
  });
});
