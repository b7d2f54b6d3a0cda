import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AioClockModule,
  AioClockRegistry,
  Every,
  PostgresCoordinator,
} from '../../../lib';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';
import { CaptureLogger } from '../../src/capture-logger';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';

// registry.removeTask under a durable coordinator (PostgreSQL on PGlite): a
// task added at run time leaves the store with its state and history; a
// decorated one keeps them, since it comes back at the next start.

@Injectable()
class Reports {
  @Every({ hours: 1 })
  nightly(): void {}
}

@Module({ providers: [Reports] })
class ReportsModule {}

describe('removeTask and the durable store (PostgreSQL on PGlite)', () => {
  let db: PGliteDatabase;
  let schemas = 0;
  let app: TestingModule | null = null;

  pgliteForSuite((opened) => (db = opened));

  afterEach(async () => {
    await app?.close();
    app = null;
  });

  async function start(
    pool: PostgresCoordinatorPool,
    logger = new CaptureLogger(),
    claimTimeoutMs?: number,
  ) {
    const schema = `removed_${++schemas}`;
    const coordinator = new PostgresCoordinator({
      pool,
      schema,
      replicaId: 'only',
      leaseTtlMs: 5_000,
      claimTimeoutMs,
    });
    app = await Test.createTestingModule({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC', coordinator }),
        ReportsModule,
      ],
    })
      .setLogger(logger)
      .compile();
    await app.init();
    const rows = async (table: string, task: string) =>
      (
        await db.query(`SELECT 1 FROM ${schema}.${table} WHERE task = $1`, [
          task,
        ])
      ).rows.length;
    return { registry: app.get(AioClockRegistry), rows, logger };
  }

  /** Runs the task once and waits for its record in the store. */
  async function runOnce(registry: AioClockRegistry, name: string) {
    await registry.runTask(name);
    for (let i = 0; i < 300; i++) {
      if ((await registry.getHistory(name)).length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no record of ${name}`);
  }

  it("should delete a removed run-time task's state and history, and keep a removed decorated task's", async () => {
    const { registry, rows } = await start(db);
    registry.addTask({
      name: 'tenant:7',
      trigger: Every({ hours: 1 }),
      run: () => undefined,
    });
    await runOnce(registry, 'tenant:7');
    await runOnce(registry, 'Reports.nightly');
    expect(await rows('task_state', 'tenant:7')).toBe(1);
    expect(await rows('history', 'tenant:7')).toBe(1);

    await registry.removeTask('tenant:7');
    await registry.removeTask('Reports.nightly');
    expect(await rows('task_state', 'tenant:7')).toBe(0);
    expect(await rows('history', 'tenant:7')).toBe(0);
    expect(await rows('task_state', 'Reports.nightly')).toBe(1);
    expect(await rows('history', 'Reports.nightly')).toBe(1);

    // Added again: a new task, with nothing of the old one.
    registry.addTask({
      name: 'tenant:7',
      trigger: Every({ hours: 1 }),
      run: () => undefined,
    });
    expect(await registry.getHistory('tenant:7')).toEqual([]);
  });

  it('should log, name the task and still resolve when the store cannot forget it', async () => {
    // The real database, but the forgetting statement fails.
    const failing: PostgresCoordinatorPool = {
      query: (text: string, values?: unknown[]) =>
        text.includes('AS forgotten')
          ? Promise.reject(new Error('connection reset'))
          : db.query(text, values),
    };
    const { registry, rows, logger } = await start(failing);
    registry.addTask({
      name: 'tenant:8',
      trigger: Every({ hours: 1 }),
      run: () => undefined,
    });
    await runOnce(registry, 'tenant:8');
    await expect(registry.removeTask('tenant:8')).resolves.toBeUndefined();
    expect(await rows('history', 'tenant:8')).toBe(1);
    const warnings = logger
      .aioclock('warn')
      .map((entry) => entry.message)
      .join('\n');
    expect(warnings).toContain(
      "Task tenant:8 was removed, but its state and history stay in the coordinator's store: ",
    );
    expect(warnings).toContain('connection reset');
  });

  it('should delete the records of a batch that PostgreSQL runs after the client gave up on it', async () => {
    // The real database, but the batch of run records reaches it 600 ms late:
    // the client gives up after 400 ms (claimTimeoutMs), the database still
    // runs it. The forget must delete after it, not before.
    let sent = false;
    const late: PostgresCoordinatorPool = {
      query: (text: string, values?: unknown[]) => {
        if (!text.includes('WITH ORDINALITY')) return db.query(text, values);
        sent = true;
        return new Promise((resolve) => setTimeout(resolve, 600)).then(() =>
          db.query(text, values),
        );
      },
    };
    const { registry, rows } = await start(late, new CaptureLogger(), 400);
    registry.addTask({
      name: 'tenant:10',
      trigger: Every({ hours: 1 }),
      run: () => undefined,
    });
    await registry.runTask('tenant:10');
    while (!sent) await new Promise((resolve) => setTimeout(resolve, 5));
    await registry.removeTask('tenant:10');
    // Past the late batch, however soon the removal resolved.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await rows('history', 'tenant:10')).toBe(0);
    expect(await rows('task_state', 'tenant:10')).toBe(0);
  });

  it('should delete nothing when the name is added again while the store is forgetting it', async () => {
    // The real database, but the batch of run records waits for a go: the
    // forget waits for it, and the name is added again meanwhile.
    let release: (() => void) | null = null;
    const held: PostgresCoordinatorPool = {
      query: (text: string, values?: unknown[]) =>
        release === null && text.includes('WITH ORDINALITY')
          ? new Promise<void>((resolve) => (release = resolve)).then(() =>
              db.query(text, values),
            )
          : db.query(text, values),
    };
    const { registry, rows } = await start(held);
    const add = () =>
      registry.addTask({
        name: 'tenant:9',
        trigger: Every({ hours: 1 }),
        run: () => undefined,
      });
    add();
    await registry.runTask('tenant:9');
    while (release === null)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const removed = registry.removeTask('tenant:9');
    await new Promise((resolve) => setTimeout(resolve, 20));
    add();
    (release as () => void)();
    await removed;
    expect(await rows('history', 'tenant:9')).toBe(1);
    expect(await rows('task_state', 'tenant:9')).toBe(1);
  });
});
