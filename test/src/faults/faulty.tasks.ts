import { Injectable, Module } from '@nestjs/common';
import { AioClockRegistry, Every, Once, type TaskContext } from '../../../lib';

/** Everything a task can do wrong, each once a second, beside one healthy task. */
@Injectable()
export class FaultyTasks {
  /** Due times (ISO) each task was called for. */
  readonly calls: Record<string, string[]> = {};
  /** Runs of `neverSettles` whose signal was aborted, with the reason. */
  readonly aborts: unknown[] = [];

  constructor(private readonly registry: AioClockRegistry) {}

  private called(ctx: TaskContext): void {
    (this.calls[ctx.name] ??= []).push(ctx.scheduledAt.toISOString());
  }

  @Every({ seconds: 1 })
  healthy(ctx: TaskContext): void {
    this.called(ctx);
  }

  @Every({ seconds: 1 })
  throwsSync(ctx: TaskContext): void {
    this.called(ctx);
    throw new Error('sync boom');
  }

  @Every({ seconds: 1 })
  async rejects(ctx: TaskContext): Promise<void> {
    this.called(ctx);
    await Promise.resolve();
    throw new Error('async boom');
  }

  @Every({ seconds: 1 })
  throwsString(ctx: TaskContext): void {
    this.called(ctx);
    throw 'a string';
  }

  @Every({ seconds: 1 })
  throwsUndefined(ctx: TaskContext): void {
    this.called(ctx);
    throw undefined;
  }

  @Every({ seconds: 1 })
  throwsObject(ctx: TaskContext): void {
    this.called(ctx);
    throw { code: 42, detail: 'not an Error' };
  }

  @Every({ seconds: 1 })
  rejectsWithNull(ctx: TaskContext): Promise<void> {
    this.called(ctx);
    return Promise.reject(null);
  }

  /** Ignores its signal too: only the timeout ends it. */
  @Every({ seconds: 1 }, { timeout: 500 })
  neverSettles(ctx: TaskContext): Promise<void> {
    this.called(ctx);
    ctx.signal.addEventListener('abort', () =>
      this.aborts.push(ctx.signal.reason),
    );
    return new Promise<void>(() => undefined);
  }

  /** Misuses the registry: asks for a run of itself while it runs. */
  @Every({ seconds: 1 })
  async callsItself(ctx: TaskContext): Promise<unknown> {
    this.called(ctx);
    return this.registry.runTask(ctx.name);
  }
}

@Module({ providers: [FaultyTasks] })
export class FaultyModule {}

/** A task that never settles and never looks at its signal, with no timeout: only shutdown ends it. */
@Injectable()
export class StuckTasks {
  started = 0;
  aborted = 0;

  @Once()
  stuck(ctx: TaskContext): Promise<void> {
    this.started += 1;
    ctx.signal.addEventListener('abort', () => (this.aborted += 1));
    return new Promise<void>(() => undefined);
  }
}

@Module({ providers: [StuckTasks] })
export class StuckModule {}

/** One task whose runs pile up (`overlap: 'allow'`), each waiting for its signal or a gate. */
@Injectable()
export class PileUpTasks {
  inFlight = 0;
  succeeded = 0;
  aborted = 0;
  private release: (() => void) | null = null;
  private readonly gate = new Promise<void>(
    (resolve) => (this.release = resolve),
  );

  /** Lets every waiting run finish. */
  open(): void {
    this.release?.();
  }

  @Every({ seconds: 1 }, { overlap: 'allow' })
  async pileUp(ctx: TaskContext): Promise<void> {
    this.inFlight += 1;
    try {
      await new Promise<void>((resolve, reject) => {
        void this.gate.then(resolve);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), {
          once: true,
        });
      });
      this.succeeded += 1;
    } catch (error) {
      this.aborted += 1;
      throw error;
    } finally {
      this.inFlight -= 1;
    }
  }
}

@Module({ providers: [PileUpTasks] })
export class PileUpModule {}

/** Under SystemClock: a 10 ms task, and a task that blocks the event loop for 200 ms once. */
@Injectable()
export class BlockingTasks {
  /** Real time the block started and ended (epoch ms), once it ran. */
  block: { start: number; end: number } | null = null;

  @Every({ seconds: 0.01 })
  tick(): void {}

  @Every({ seconds: 0.1, maxLoopCount: 1 })
  blockLoop(): void {
    const start = Date.now();
    while (Date.now() - start < 200) {
      // Busy: nothing else in the process runs meanwhile.
    }
    this.block = { start, end: Date.now() };
  }
}

@Module({ providers: [BlockingTasks] })
export class BlockingModule {}
