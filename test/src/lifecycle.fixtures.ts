import { Injectable, Module } from '@nestjs/common';
import {
  AioClockModule,
  Every,
  OnShutDown,
  OnStartUp,
  type TaskContext,
} from '../../lib';

/** A promise a test settles by hand. */
export class Gate {
  promise!: Promise<void>;
  open!: () => void;
  constructor() {
    this.reset();
  }
  reset(): void {
    this.promise = new Promise<void>((resolve) => (this.open = resolve));
  }
}

@Injectable()
export class FlakyTasks {
  attempts = 0;
  calm = 0;

  @Every({ seconds: 10 })
  flaky(): void {
    this.attempts += 1;
    throw new Error(`boom #${this.attempts}`);
  }

  @Every({ seconds: 10 })
  calmTask(): void {
    this.calm += 1;
  }
}

@Injectable()
export class SlowTasks {
  readonly gate = new Gate();
  started = 0;
  finished = 0;
  aborted = 0;

  @Every({ seconds: 5 })
  async slow(ctx: TaskContext): Promise<void> {
    this.started += 1;
    ctx.signal.addEventListener('abort', () => (this.aborted += 1));
    await this.gate.promise;
    this.finished += 1;
  }
}

@Module({ providers: [FlakyTasks] })
export class FlakyModule {}

@Module({ providers: [SlowTasks] })
export class SlowModule {}

@Injectable()
export class ReportTasks {
  readonly gate = new Gate();
  running = 0;
  maxRunning = 0;

  private async work(): Promise<void> {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await this.gate.promise;
    this.running -= 1;
  }

  @Every({ seconds: 10 })
  async daily(): Promise<void> {
    await this.work();
  }

  @Every({ seconds: 10 })
  async weekly(): Promise<void> {
    await this.work();
  }

  @Every({ seconds: 10 })
  async monthly(): Promise<void> {
    await this.work();
  }

  add(a: number, b: number): number {
    return a + b;
  }

  @Every({ hours: 1 }, { name: 'reports.sum' })
  sum(): number {
    return this.add(2, 3);
  }

  @Every({ hours: 1 }, { name: 'reports.fail' })
  fail(): never {
    throw new TypeError('no data');
  }
}

@Module({
  imports: [AioClockModule.forFeature({ name: 'reports', concurrency: 2 })],
  providers: [ReportTasks],
})
export class ReportsFixtureModule {}

/** A resource connected in onApplicationBootstrap and closed in onApplicationShutdown. */
@Injectable()
export class Database {
  connected = false;
  readonly seen: string[] = [];

  onApplicationBootstrap(): void {
    this.connected = true;
  }

  beforeApplicationShutdown(): void {
    this.seen.push(`beforeApplicationShutdown (connected ${this.connected})`);
  }

  onApplicationShutdown(): void {
    this.connected = false;
  }
}

@Injectable()
export class DatabaseTasks {
  readonly gate = new Gate();

  constructor(private readonly db: Database) {}

  @OnStartUp()
  migrate(): void {
    this.db.seen.push(`startup (connected ${this.db.connected})`);
  }

  @Every({ seconds: 1 })
  async query(): Promise<void> {
    this.db.seen.push(`query (connected ${this.db.connected})`);
    await this.gate.promise;
    this.db.seen.push(`query done (connected ${this.db.connected})`);
  }

  @OnShutDown()
  flush(): void {
    this.db.seen.push(`shutdown (connected ${this.db.connected})`);
  }
}

@Module({ providers: [Database, DatabaseTasks] })
export class DatabaseModule {}
