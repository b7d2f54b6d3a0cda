import { fork, type ChildProcess } from 'node:child_process';
import type { ReplicaBuild } from './replica-build';
import type { TaskInfo } from '../../../lib';
import type { ReplicaMessage, ReplicaRequest } from './replica.main';

/** One replica: a forked Node process running the compiled `replica.main.ts`. */
export class ReplicaProcess {
  /** Every 'failed' event the replica reported. */
  readonly failures: Extract<ReplicaMessage, { type: 'failed' }>[] = [];
  /** Everything it wrote (Nest's log lines included). */
  output = '';
  /** When it reported ready, epoch ms. */
  readyAt: number | null = null;
  /** How far its app's Clock reads from the real time (to 100 ms), once ready. */
  clockOffsetMs: number | null = null;
  /** Set once it exited: its code or signal, and whether we asked it to stop. */
  exit: {
    code: number | null;
    signal: NodeJS.Signals | null;
    expected: boolean;
  } | null = null;

  private readonly child: ChildProcess;
  private stopping = false;
  private readonly exited: Promise<void>;
  private readonly ready: Promise<void>;

  /**
   * @param build the compiled app
   * @param replicaId the id it writes into Redis
   * @param env REDIS_URL, REPLICA_NAMESPACE, REPLICA_LEASE_TTL_MS
   */
  constructor(
    build: ReplicaBuild,
    readonly replicaId: string,
    env: Record<string, string>,
  ) {
    this.child = fork(build.main, [], {
      env: {
        ...process.env,
        ...env,
        REPLICA_ID: replicaId,
        NODE_PATH: build.nodePath,
        NO_COLOR: '1',
      },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout!.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    this.child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: ReplicaMessage) => {
        if (message.type === 'ready') {
          this.readyAt = message.at;
          this.clockOffsetMs = message.clockOffsetMs;
          resolve();
        } else if (message.type === 'failed') {
          this.failures.push(message);
        }
      });
      this.child.once('exit', () =>
        reject(
          new Error(`${replicaId} exited before it was ready:\n${this.output}`),
        ),
      );
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, expected: this.stopping };
        resolve();
      }),
    );
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once the app has started its scheduler. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** How many times a line containing `text` was written. */
  count(text: string): number {
    return this.output.split('\n').filter((line) => line.includes(text)).length;
  }

  /** The replica's `registry.getTask(name)`. */
  async info(name: string): Promise<TaskInfo> {
    const reply = await this.request({ type: 'info', name }, 'info');
    return (reply as Extract<ReplicaMessage, { type: 'info' }>).info;
  }

  /** Calls the replica's `registry.resume(name)`. */
  async resume(name: string): Promise<void> {
    await this.request({ type: 'resume', name }, 'resumed');
  }

  private request(
    message: ReplicaRequest,
    answer: ReplicaMessage['type'],
  ): Promise<ReplicaMessage> {
    return new Promise((resolve) => {
      const onMessage = (reply: ReplicaMessage) => {
        if (reply.type !== answer) return;
        this.child.off('message', onMessage);
        resolve(reply);
      };
      this.child.on('message', onMessage);
      this.child.send(message);
    });
  }

  /** Kills it at once, as a crash or an OOM killer would. */
  async kill(): Promise<void> {
    this.stopping = true;
    if (this.exit) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Freezes it (SIGSTOP), as a long GC pause or a suspended VM would. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** Resumes it after `freeze` (SIGCONT). */
  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** Asks for a clean shutdown (app.close(), clients quit) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.exit) return;
    this.stopping = true;
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
