import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AioClockModule,
  AioClockRegistry,
  Clock,
  Cron,
  Every,
  InvalidTriggerError,
  VirtualClock,
  type TaskContext,
} from '../../lib';
import { createTestApp } from '../src/create-app';
import {
  BillingModule,
  DiscoveryFixturesModule,
  MailModule,
  PlainTasks,
  StatusController,
} from '../src/discovery.fixtures';
import { Recorder } from '../src/recorder';

describe('Discovery', () => {
  it('should run provider and controller methods, an aliased provider once, and step over a null-prototype provider', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), DiscoveryFixturesModule],
    });
    const registry = app.get(AioClockRegistry);
    expect(registry.getTasks().map((t) => t.name)).toEqual([
      'PlainTasks.tick',
      'StatusController.refresh',
    ]);

    await clock.advance(10_000);
    const recorder = app.get(Recorder);
    expect(recorder.count('PlainTasks.tick')).toBe(10);
    expect(recorder.count('StatusController.refresh')).toBe(5);
    expect(app.get(PlainTasks)).toBeDefined();
    expect(app.get(StatusController)).toBeDefined();
    await app.close();
  });

  it('should warn with the exact message and not register tasks of request-scoped and transient providers', async () => {
    const { app, logger } = await createTestApp({
      imports: [AioClockModule.forRoot(), DiscoveryFixturesModule],
    });
    const warnings = logger.aioclock('warn').map((e) => e.message);
    expect(warnings).toContain(
      'Task RequestScopedTasks.perRequest is not registered: its provider is request-scoped, and a scheduled task runs outside any request on no instance Nest holds; make the provider a singleton (the default scope)',
    );
    expect(warnings).toContain(
      'Task TransientTasks.perInjection is not registered: its provider is transient, and a scheduled task runs outside any request on no instance Nest holds; make the provider a singleton (the default scope)',
    );
    const names = app
      .get(AioClockRegistry)
      .getTasks()
      .map((t) => t.name);
    expect(names).not.toContain('RequestScopedTasks.perRequest');
    expect(names).not.toContain('TransientTasks.perInjection');
    await app.close();
  });

  it('should name each group after the module that declares the provider, or after forFeature', async () => {
    const { app } = await createTestApp({
      imports: [
        AioClockModule.forRoot(),
        DiscoveryFixturesModule,
        BillingModule,
        MailModule,
      ],
    });
    const groups = Object.fromEntries(
      app
        .get(AioClockRegistry)
        .getTasks()
        .map((t) => [t.name, t.group]),
    );
    expect(groups).toEqual({
      'PlainTasks.tick': 'DiscoveryFixturesModule',
      'StatusController.refresh': 'DiscoveryFixturesModule',
      'BillingTasks.invoice': 'billing',
      'MailTasks.send': 'MailModule',
    });
    await app.close();
  });

  it('should reject init when two tasks share a name, naming both', async () => {
    @Injectable()
    class First {
      @Every({ seconds: 1 }, { name: 'nightly' })
      run(): void {}
    }
    @Injectable()
    class Second {
      @Cron('0 0 * * *', { name: 'nightly' })
      run(): void {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [AioClockModule.forRoot()],
      providers: [First, Second],
    })
      .overrideProvider(Clock)
      .useValue(new VirtualClock(new Date(0)))
      .compile();
    const init = moduleRef.init();
    await expect(init).rejects.toThrow(InvalidTriggerError);
    await expect(init).rejects.toThrow(
      'Duplicate task name "nightly": used by First.run and Second.run; give one of them another name with { name: \'...\' }',
    );
  });

  it('should refuse two trigger decorators on one method and point to @OrTrigger', () => {
    const define = () => {
      class Twice {
        @Every({ seconds: 5 })
        @Cron('0 9 * * *')
        run(): void {}
      }
      return Twice;
    };
    expect(define).toThrow(InvalidTriggerError);
    expect(define).toThrow(
      'Twice.run has two trigger decorators (@Every and @Cron); combine them with @OrTrigger([...])',
    );
  });

  it('should name the task and the bad value when a trigger is invalid', () => {
    const define = () => {
      class Bad {
        @Every({ seconds: -5 })
        run(): void {}
      }
      return Bad;
    };
    expect(define).toThrow(InvalidTriggerError);
    expect(define).toThrow(/^Bad\.run: .*seconds.*-5/);
  });

  it('should not schedule a feature module twice when several modules import it', async () => {
    @Module({ imports: [MailModule] })
    class A {}
    @Module({ imports: [MailModule] })
    class B {}
    const { app } = await createTestApp({
      imports: [AioClockModule.forRoot(), A, B, MailModule],
    });
    expect(
      app
        .get(AioClockRegistry)
        .getTasks()
        .map((t) => t.name),
    ).toEqual(['MailTasks.send']);
    await app.close();
  });

  it('should keep using the Recorder a spec reads', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), BillingModule],
    });
    await clock.advance(3_000);
    expect(app.get(Recorder).count('BillingTasks.invoice')).toBe(3);
    await app.close();
  });
  it("should schedule every method one decorator object is applied to, each with that decorator's options", async () => {
    const everySecond = Every({ seconds: 1 });
    const disabled = Every({ seconds: 1 }, { enabled: false });
    const bounded = Every({ seconds: 1 }, { timeout: 500 });
    const overlapping = Every({ seconds: 1 }, { overlap: 'allow' });
    expect([
      everySecond.spec,
      everySecond.options,
      everySecond.decoratorName,
    ]).toEqual([{ type: 'every', seconds: 1 }, {}, 'Every']);
    expect(disabled.options).toEqual({ enabled: false });
    let release!: () => void;
    const hang = new Promise<void>((resolve) => (release = resolve));
    @Injectable()
    class SharedDecorators {
      constructor(private readonly recorder: Recorder) {}
      @everySecond
      first(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @everySecond
      second(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @disabled
      off(ctx: TaskContext): void {
        this.recorder.record(ctx);
      }
      @bounded
      hangsBounded(): Promise<void> {
        return hang;
      }
      @overlapping
      hangsOverlapping(): Promise<void> {
        return hang;
      }
      @everySecond
      hangsSkipping(): Promise<void> {
        return hang;
      }
    }
    @Module({ providers: [Recorder, SharedDecorators] })
    class SharedDecoratorsModule {}

    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), SharedDecoratorsModule],
    });
    await clock.advance(3_600);
    const recorder = app.get(Recorder);
    expect(recorder.count('SharedDecorators.first')).toBe(3);
    expect(recorder.count('SharedDecorators.second')).toBe(3);
    expect(recorder.count('SharedDecorators.off')).toBe(0);
    const registry = app.get(AioClockRegistry);
    expect(registry.getTask('SharedDecorators.off')).toMatchObject({
      enabled: false,
      runs: 0,
    });
    // timeout: each run fails after 500 ms, so the next one is not skipped.
    expect(registry.getTask('SharedDecorators.hangsBounded')).toMatchObject({
      runs: 3,
      failures: 3,
      skipped: 0,
      running: false,
    });
    // overlap 'allow' starts every run; the default 'skip' skips while one hangs.
    expect(registry.getTask('SharedDecorators.hangsOverlapping')).toMatchObject(
      { runs: 3, skipped: 0, running: true },
    );
    expect(registry.getTask('SharedDecorators.hangsSkipping')).toMatchObject({
      runs: 1,
      skipped: 2,
      running: true,
    });
    release();
    await app.close();
  });

  it('should find a decorated method a subclass inherits, not one it overrides without a decorator', async () => {
    const calls: string[] = [];
    class BaseTasks {
      @Every({ seconds: 1 })
      tick(ctx: TaskContext): void {
        calls.push(ctx.name);
      }
    }
    @Injectable()
    class Inherits extends BaseTasks {}
    @Injectable()
    class Overrides extends BaseTasks {
      override tick(): void {
        calls.push('override');
      }
    }
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot()],
      providers: [Inherits, Overrides],
    });
    expect(
      app
        .get(AioClockRegistry)
        .getTasks()
        .map((t) => t.name),
    ).toEqual(['Inherits.tick']);
    await clock.advance(2_000);
    expect(calls).toEqual(['Inherits.tick', 'Inherits.tick']);
    await app.close();
  });

  describe('with decorators that wrap the method', () => {
    /** Replaces the method with a wrapper (as tracing decorators do); `copy` also copies its reflect-metadata over. */
    const Wrapped =
      (copy: boolean): MethodDecorator =>
      (_target, _key, descriptor: PropertyDescriptor) => {
        const original = descriptor.value as (...args: unknown[]) => unknown;
        const wrapper = function (
          this: { wraps: number },
          ...args: unknown[]
        ): unknown {
          this.wraps++;
          return original.apply(this, args);
        };
        if (copy)
          for (const key of Reflect.getMetadataKeys(original))
            Reflect.defineMetadata(
              key,
              Reflect.getMetadata(key, original),
              wrapper,
            );
        descriptor.value = wrapper;
      };

    @Injectable()
    class WrappedTasks {
      runs = 0;
      wraps = 0;
      @Wrapped(true)
      @Every({ seconds: 1 })
      copied(): void {
        this.runs++;
      }
      @Wrapped(false)
      @Every({ seconds: 1 })
      plain(): void {
        this.runs++;
      }
      @Every({ seconds: 1 })
      @Wrapped(false)
      inner(): void {
        this.runs++;
      }
    }
    @Module({ providers: [WrappedTasks] })
    class WrappedModule {}

    it('should still schedule the method, and run it through the wrapper, whichever order and whether or not the wrapper copies metadata', async () => {
      const { app, clock } = await createTestApp({
        imports: [AioClockModule.forRoot(), WrappedModule],
      });
      expect(
        app
          .get(AioClockRegistry)
          .getTasks()
          .map((task) => task.name),
      ).toEqual([
        'WrappedTasks.copied',
        'WrappedTasks.plain',
        'WrappedTasks.inner',
      ]);
      await clock.advance(2_000);
      const tasks = app.get(WrappedTasks);
      expect(tasks.runs).toBe(6);
      expect(tasks.wraps).toBe(6);
      await app.close();
    });
  });
});
