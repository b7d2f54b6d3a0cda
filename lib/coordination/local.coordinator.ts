import type { Coordinator } from './coordinator.interface';

/**
 * The default coordinator: a single process decides alone. Every claim and
 * every lease is granted, and `@Every` runs keep their own start as origin.
 */
export class LocalCoordinator implements Coordinator {
  /** A lone process has no one to agree with, so runs stay relative to start. */
  readonly alignsToEpoch = false;

  /** Always grants: this process is the only replica. */
  claim(
    _task: string,
    _dueAt: number,
    _periodMs: number | null,
  ): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Always grants: nobody else can hold the lease. */
  lease(_task: string, _ttlMs: number): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Nothing to give up. */
  release(_task: string): Promise<void> {
    return Promise.resolve();
  }
}
