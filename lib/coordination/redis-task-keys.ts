/**
 * The Redis keys of one task, all `<prefix>:{<task>}:…`: the braces are a
 * Redis Cluster hash tag, so every key of a task lives on one slot (its
 * scripts may touch several); `%`, `{` and `}` in the name are
 * percent-encoded so the tag stays intact and distinct names stay distinct.
 */
export class RedisTaskKeys {
  /** Task → `<prefix>:{<encoded task>}`: every run builds several keys. */
  private readonly bases = new Map<string, string>();

  /** @param keyPrefix the coordinator's prefix */
  constructor(readonly keyPrefix: string) {}

  /** The fence of one due run: `<prefix>:{<task>}:<dueAt>`. */
  claim(task: string, dueAt: number): string {
    return `${this.base(task)}:${dueAt}`;
  }

  /** Marks a run of the task in flight: `<prefix>:{<task>}:running`. */
  running(task: string): string {
    return `${this.base(task)}:running`;
  }

  /**
   * The fence a member took ahead for the task (`<due>|<id>`, `!` first once
   * revoked): `<prefix>:{<task>}:ahead`. The claim scripts derive it from
   * the running key (one key less per claim): keep the two side by side.
   */
  ahead(task: string): string {
    return `${this.base(task)}:ahead`;
  }

  /** The task's durable state (a hash): `<prefix>:{<task>}:state`. */
  state(task: string): string {
    return `${this.base(task)}:state`;
  }

  /** A `@Forever` task's lease: `<prefix>:{<task>}:lease`. */
  lease(task: string): string {
    return `${this.base(task)}:lease`;
  }

  /** The capped list of the task's runs: `<prefix>:{<task>}:history`. */
  history(task: string): string {
    return `${this.base(task)}:history`;
  }

  private base(task: string): string {
    let base = this.bases.get(task);
    if (base === undefined) {
      // Bounded: run-time names come and go.
      if (this.bases.size >= BASES_KEPT) this.bases.clear();
      base = `${this.keyPrefix}:{${encodeTaskName(task)}}`;
      this.bases.set(task, base);
    }
    return base;
  }
}

const BASES_KEPT = 100_000;

function encodeTaskName(task: string): string {
  return task.replace(
    /[%{}]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
