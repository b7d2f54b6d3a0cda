import { Worker } from 'node:worker_threads';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';

// PGlite (PostgreSQL compiled to WASM) for fast single-process SQL tests. It
// loads itself through dynamic import(), which Jest's VM refuses without
// --experimental-vm-modules, so it runs in a worker thread (plain Node) and
// this handle forwards query / exec / listen to it.

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const db = new PGlite();
const unlisten = new Map();
parentPort.on('message', async ({ id, op, text, values, channel }) => {
  try {
    let result;
    if (op === 'query') result = { rows: (await db.query(text, values)).rows };
    else if (op === 'exec') await db.exec(text);
    else if (op === 'listen') unlisten.set(channel, await db.listen(channel, (payload) => parentPort.postMessage({ channel, payload })));
    else if (op === 'unlisten') { await unlisten.get(channel)?.(); unlisten.delete(channel); }
    else if (op === 'close') await db.close();
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error && error.message ? error.message : String(error) });
  }
});`;

/** An in-memory PGlite database in a worker thread. */
export class PGliteDatabase implements PostgresCoordinatorPool {
  private readonly worker = new Worker(WORKER, {
    eval: true,
    workerData: { pglite: require.resolve('@electric-sql/pglite') },
  });
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly listeners = new Map<string, (payload: string) => void>();

  constructor() {
    this.worker.on(
      'message',
      (message: {
        id?: number;
        result?: unknown;
        error?: string;
        channel?: string;
        payload?: string;
      }) => {
        if (message.id === undefined) {
          this.listeners.get(message.channel!)?.(message.payload ?? '');
          return;
        }
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined)
          waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.result);
      },
    );
  }

  /** One statement with `$1…` parameters. */
  query(
    text: string,
    values: unknown[] = [],
  ): Promise<{ rows: Record<string, unknown>[] }> {
    return this.call({ op: 'query', text, values }) as Promise<{
      rows: Record<string, unknown>[];
    }>;
  }

  /** Several statements, no parameters. */
  async exec(text: string): Promise<void> {
    await this.call({ op: 'exec', text });
  }

  /** PGlite's LISTEN: resolves to the unsubscribe function. */
  async listen(
    channel: string,
    callback: (payload: string) => void,
  ): Promise<() => Promise<void>> {
    this.listeners.set(channel, callback);
    await this.call({ op: 'listen', channel });
    return async () => {
      this.listeners.delete(channel);
      await this.call({ op: 'unlisten', channel });
    };
  }

  /** Closes the database and ends the worker. */
  async close(): Promise<void> {
    await this.call({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }
}

/**
 * One PGlite database for the suite it is called in: opened (and answering)
 * before the first test, closed after the last. `onOpen` receives it.
 */
export function pgliteForSuite(onOpen: (db: PGliteDatabase) => void): void {
  let db: PGliteDatabase | undefined;
  beforeAll(async () => {
    db = new PGliteDatabase();
    await db.query('SELECT 1');
    onOpen(db);
  }, 180_000);
  afterAll(() => db?.close());
}
