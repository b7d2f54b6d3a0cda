/**
 * The tasks this replica owns, as its membership's view says, and who wants
 * to hear when it gains some (the scheduler's catch-up). Shared by the Redis
 * and PostgreSQL coordinators; told of every view change, it costs nothing
 * while the view stays the same.
 */
export class OwnedTasks {
  private owned = new Set<string>();
  private listener: ((tasks: readonly string[]) => void) | null = null;

  /**
   * @param replicaId this replica's id
   * @param ownerOf the owner of a task in the current view (undefined: none)
   */
  constructor(
    private readonly replicaId: string,
    private readonly ownerOf: (task: string) => string | undefined,
  ) {}

  /**
   * The view changed: works out what is owned now and tells the listener
   * what was gained.
   * @param declared the tasks this replica declares
   */
  viewChanged(declared: Iterable<string>): void {
    const now = new Set<string>();
    const gained: string[] = [];
    for (const task of declared) {
      if (this.ownerOf(task) !== this.replicaId) continue;
      now.add(task);
      if (!this.owned.has(task)) gained.push(task);
    }
    this.owned = now;
    if (gained.length > 0) this.tell(gained);
  }

  /** Left the cluster: owns nothing (a later join gains everything again). */
  cleared(): void {
    this.owned = new Set();
  }

  /** Sets the listener (null: none) and tells it at once what is owned now. */
  listen(listener: ((tasks: readonly string[]) => void) | null): void {
    this.listener = listener;
    if (this.owned.size > 0) this.tell([...this.owned]);
  }

  private tell(tasks: readonly string[]): void {
    try {
      this.listener?.(tasks);
    } catch {
      // The scheduler's listener reports its own failures.
    }
  }
}
