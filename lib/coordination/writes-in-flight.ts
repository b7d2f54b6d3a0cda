/**
 * Writes a coordinator has sent and not yet had answered, for a caller that
 * must act after all of them: forgetting a removed task deletes what they
 * write. Holds one promise, not one per write.
 */
export class WritesInFlight {
  private all: Promise<void> = Promise.resolve();

  /** Adds a write; its failure is its sender's concern, not this one's. */
  track(write: Promise<unknown>): void {
    // `then`: no chain of settled values kept from write to write.
    this.all = Promise.all([this.all, write.catch(ignore)]).then(ignore);
  }

  /** Resolves once every write tracked so far is answered or failed. */
  settled(): Promise<void> {
    return this.all;
  }
}

function ignore(): void {}
