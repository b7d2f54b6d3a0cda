/**
 * The Redis keys of one task, all `<prefix>:{<task>}:…`: the braces are a
 * Redis Cluster hash tag, so every key of a task lives on one slot (its
 * scripts may touch several); `%`, `{` and `}` in the name are
 * percent-encoded so the tag stays intact and distinct names stay distinct.
 */
export class RedisTaskKeys {
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
    return `${this.keyPrefix}:{${encodeTaskName(task)}}`;
  }
}

function encodeTaskName(task: string): string {
  return task.replace(
    /[%{}]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
