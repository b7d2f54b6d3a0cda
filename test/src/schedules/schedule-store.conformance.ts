import type {
  ScheduleInput,
  ScheduleStore,
  StoredSchedule,
} from '../../../lib/coordination/schedule-store.interface';

/** A fresh, empty store for one test, and how to release it. */
export interface ScheduleStoreFixture {
  store: ScheduleStore;
  /** A second store on the same backend (another replica's); defaults to `store`. */
  peer?: ScheduleStore;
  dispose: () => Promise<void>;
}

/** Options of the shared suite, for slower backends. */
export interface ScheduleStoreSuiteOptions {
  /** How many schedules `loadAll` must return in one call (over its internal pages). @default 1100 */
  loadAllCount?: number;
  /** How long a change may take to reach a watcher (ms). @default 2000 */
  watchWithinMs?: number;
}

/** A schedule input with sensible defaults. */
export function scheduleInput(
  id: string,
  overrides: Partial<ScheduleInput> = {},
): ScheduleInput {
  return {
    id,
    handler: 'Reports.send',
    trigger: { type: 'at', hour: 9, tz: 'Europe/Berlin' },
    payload: { customer: id },
    options: {},
    startAt: null,
    endAt: null,
    enabled: true,
    ...overrides,
  };
}

/**
 * The contract every `ScheduleStore` keeps, as one suite: run it against the
 * in-memory store and every durable backend, each test on a fresh store.
 * @param name the backend's name, for the describe block
 * @param makeStore a fresh, empty store (and its peer) for each test
 */
export function describeScheduleStore(
  name: string,
  makeStore: () => Promise<ScheduleStoreFixture>,
  suiteOptions: ScheduleStoreSuiteOptions = {},
): void {
  const loadAllCount = suiteOptions.loadAllCount ?? 1100;
  const watchWithinMs = suiteOptions.watchWithinMs ?? 2000;

  describe(`ScheduleStore conformance: ${name}`, () => {
    let fixture: ScheduleStoreFixture;
    let store: ScheduleStore;
    let peer: ScheduleStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      peer = fixture.peer ?? fixture.store;
    });

    afterEach(async () => {
      await fixture.dispose();
    });

    /** Collects what a watcher hears, and waits for an id to arrive. */
    function watcher(on: ScheduleStore = peer) {
      const heard: string[] = [];
      const stop = on.watch((id) => heard.push(id));
      const waitFor = async (id: string): Promise<void> => {
        const until = Date.now() + watchWithinMs;
        while (!heard.includes(id)) {
          if (Date.now() > until) {
            throw new Error(
              `no watch notification for ${id} within ${watchWithinMs} ms (heard ${JSON.stringify(heard)})`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      return { heard, stop, waitFor };
    }

    it('should store a new schedule at revision 1, not paused, as given', async () => {
      const input = scheduleInput('c-1', {
        trigger: { type: 'cron', cron: '0 9 * * 1-5', tz: 'America/New_York' },
        payload: { customer: 'c-1', lines: [1, 2, 3], name: 'Zoë ✓' },
        options: {
          timeout: 5000,
          overlap: 'bufferOne',
          retry: { attempts: 3 },
        },
        startAt: '2024-01-01T00:00:00.000Z',
        endAt: '2025-01-01T00:00:00.000Z',
        enabled: false,
      });
      const { schedule, changed } = await store.upsert(input);
      expect(changed).toBe(true);
      expect(schedule).toEqual({
        ...input,
        paused: false,
        revision: 1,
        updatedAt: expect.any(Number),
      });
      expect(await store.get('c-1')).toEqual(schedule);
      expect(await peer.get('c-1')).toEqual(schedule);
    });

    it('should store an absent payload as null', async () => {
      const { schedule } = await store.upsert(
        scheduleInput('c-1', { payload: undefined }),
      );
      expect(schedule.payload).toBeNull();
      expect((await store.get('c-1'))!.payload).toBeNull();
    });

    it('should keep the revision when the same content is upserted again, in any key order', async () => {
      const first = await store.upsert(scheduleInput('c-1'));
      const again = await store.upsert(scheduleInput('c-1'));
      expect(again.changed).toBe(false);
      expect(again.schedule).toEqual(first.schedule);
      const reordered = await peer.upsert({
        enabled: true,
        endAt: null,
        startAt: null,
        options: {},
        payload: { customer: 'c-1' },
        trigger: { tz: 'Europe/Berlin', hour: 9, type: 'at' },
        handler: 'Reports.send',
        id: 'c-1',
      });
      expect(reordered.changed).toBe(false);
      expect(reordered.schedule.revision).toBe(1);
      expect(reordered.schedule.updatedAt).toBe(first.schedule.updatedAt);
    });

    it('should bump the revision on each change of content', async () => {
      await store.upsert(scheduleInput('c-1'));
      const trigger = await store.upsert(
        scheduleInput('c-1', { trigger: { type: 'at', hour: 10 } }),
      );
      expect(trigger).toMatchObject({
        changed: true,
        schedule: { revision: 2 },
      });
      expect(trigger.schedule.trigger).toEqual({ type: 'at', hour: 10 });
      const payload = await store.upsert(
        scheduleInput('c-1', {
          trigger: { type: 'at', hour: 10 },
          payload: { customer: 'other' },
        }),
      );
      expect(payload).toMatchObject({
        changed: true,
        schedule: { revision: 3 },
      });
      const options = await store.upsert(
        scheduleInput('c-1', {
          trigger: { type: 'at', hour: 10 },
          payload: { customer: 'other' },
          options: { timeout: 10 },
        }),
      );
      expect(options.schedule.revision).toBe(4);
      const disabled = await store.upsert(
        scheduleInput('c-1', {
          trigger: { type: 'at', hour: 10 },
          payload: { customer: 'other' },
          options: { timeout: 10 },
          enabled: false,
        }),
      );
      expect(disabled.schedule.revision).toBe(5);
      expect(await store.get('c-1')).toEqual(disabled.schedule);
    });

    it('should keep paused across an upsert that changes the schedule', async () => {
      await store.upsert(scheduleInput('c-1'));
      const paused = await store.setPaused('c-1', true);
      expect(paused).toMatchObject({ paused: true, revision: 2 });
      const changed = await store.upsert(
        scheduleInput('c-1', { trigger: { type: 'every', minutes: 5 } }),
      );
      expect(changed.schedule).toMatchObject({ paused: true, revision: 3 });
      const same = await store.upsert(
        scheduleInput('c-1', { trigger: { type: 'every', minutes: 5 } }),
      );
      expect(same).toMatchObject({
        changed: false,
        schedule: { paused: true, revision: 3 },
      });
    });

    it('should pause and resume, bumping the revision only when paused changes', async () => {
      await store.upsert(scheduleInput('c-1'));
      expect(await store.setPaused('c-1', true)).toMatchObject({
        paused: true,
        revision: 2,
      });
      expect(await peer.setPaused('c-1', true)).toMatchObject({
        paused: true,
        revision: 2,
      });
      expect(await store.setPaused('c-1', false)).toMatchObject({
        paused: false,
        revision: 3,
      });
      expect(await store.get('c-1')).toMatchObject({
        paused: false,
        revision: 3,
      });
      expect(await store.setPaused('nobody', true)).toBeNull();
      expect(await store.get('nobody')).toBeNull();
    });

    it('should remove a schedule once', async () => {
      await store.upsert(scheduleInput('c-1'));
      await store.upsert(scheduleInput('c-2'));
      expect(await peer.remove('c-1')).toBe(true);
      expect(await store.remove('c-1')).toBe(false);
      expect(await store.get('c-1')).toBeNull();
      expect((await store.list({ limit: 10 })).items.map((s) => s.id)).toEqual([
        'c-2',
      ]);
      expect(await store.loadAll(['Reports.send'])).toHaveLength(1);
      const again = await store.upsert(scheduleInput('c-1'));
      expect(again.changed).toBe(true);
      expect(again.schedule.paused).toBe(false);
    });

    it('should list by id in pages, the cursor null on the last page', async () => {
      const ids = ['b', 'a', 'e', 'c', 'd'];
      for (const id of ids) await store.upsert(scheduleInput(id));
      const first = await store.list({ limit: 2 });
      expect(first.items.map((s) => s.id)).toEqual(['a', 'b']);
      expect(first.cursor).not.toBeNull();
      const second = await peer.list({ limit: 2, cursor: first.cursor });
      expect(second.items.map((s) => s.id)).toEqual(['c', 'd']);
      expect(second.cursor).not.toBeNull();
      const last = await store.list({ limit: 2, cursor: second.cursor });
      expect(last.items.map((s) => s.id)).toEqual(['e']);
      expect(last.cursor).toBeNull();
      const whole = await store.list({ limit: 5, cursor: null });
      expect(whole.items.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(whole.cursor).toBeNull();
      expect(whole.items[0]).toEqual(await store.get('a'));
      expect(await store.list({ limit: 3, cursor: 'e' })).toEqual({
        items: [],
        cursor: null,
      });
    });

    it('should list one handler’s schedules, paged', async () => {
      for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
        await store.upsert(
          scheduleInput(id, {
            handler: id < 'd' ? 'Reports.send' : 'Bills.send',
          }),
        );
      }
      await store.upsert(scheduleInput('g'));
      const first = await store.list({ handler: 'Reports.send', limit: 2 });
      expect(first.items.map((s) => s.id)).toEqual(['a', 'b']);
      const rest = await store.list({
        handler: 'Reports.send',
        limit: 2,
        cursor: first.cursor,
      });
      expect(rest.items.map((s) => s.id)).toEqual(['c', 'g']);
      expect(rest.cursor).toBeNull();
      const bills = await store.list({ handler: 'Bills.send', limit: 10 });
      expect(bills).toEqual({
        items: [
          expect.objectContaining({ id: 'd' }),
          expect.objectContaining({ id: 'e' }),
          expect.objectContaining({ id: 'f' }),
        ],
        cursor: null,
      });
      expect(await store.list({ handler: 'Nobody.here', limit: 10 })).toEqual({
        items: [],
        cursor: null,
      });
    });

    it('should list ids that sort around separators and prefixes correctly', async () => {
      const ids = ['a', 'a:b', 'a b', 'aa', 'a-1', 'A', 'z'];
      for (const id of ids) await store.upsert(scheduleInput(id));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: StoredSchedule[]; cursor: string | null } =
          await store.list({ limit: 2, cursor });
        seen.push(...page.items.map((s) => s.id));
        cursor = page.cursor;
      } while (cursor !== null);
      expect(seen).toEqual([...ids].sort());
    });

    it(`should load all ${loadAllCount} schedules of the given handlers`, async () => {
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < loadAllCount; i++) {
        writes.push(
          store.upsert(
            scheduleInput(`s-${String(i).padStart(5, '0')}`, {
              handler: i % 3 === 0 ? 'Bills.send' : 'Reports.send',
            }),
          ),
        );
        if (writes.length === 100) await Promise.all(writes.splice(0));
      }
      await Promise.all(writes);
      await store.upsert(scheduleInput('other', { handler: 'Other.run' }));
      const reports = await peer.loadAll(['Reports.send']);
      expect(reports).toHaveLength(loadAllCount - Math.ceil(loadAllCount / 3));
      expect(reports.every((s) => s.handler === 'Reports.send')).toBe(true);
      expect(new Set(reports.map((s) => s.id)).size).toBe(reports.length);
      const both = await store.loadAll(['Reports.send', 'Bills.send']);
      expect(both).toHaveLength(loadAllCount);
      expect(await store.loadAll([])).toEqual([]);
      expect(await store.loadAll(['Other.run'])).toEqual([
        await store.get('other'),
      ]);
    });

    it('should leave one schedule at revision 1 when the same id is upserted concurrently', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? peer : store).upsert(scheduleInput('c-1')),
        ),
      );
      expect(results.filter((r) => r.changed)).toHaveLength(1);
      expect(results.every((r) => r.schedule.revision === 1)).toBe(true);
      expect((await store.list({ limit: 10 })).items).toHaveLength(1);
    });

    it('should give concurrent different upserts of one id distinct revisions, the last one stored', async () => {
      await store.upsert(scheduleInput('c-1'));
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((hour, i) =>
          (i % 2 ? peer : store).upsert(
            scheduleInput('c-1', { trigger: { type: 'at', hour } }),
          ),
        ),
      );
      const revisions = results.map((r) => r.schedule.revision).sort();
      expect(revisions).toEqual([2, 3, 4, 5, 6]);
      const last = results.find((r) => r.schedule.revision === 6)!;
      expect(await store.get('c-1')).toEqual(last.schedule);
    });

    it('should tell watchers of a change, a pause and a removal, on any replica', async () => {
      const w = watcher(peer);
      try {
        await store.upsert(scheduleInput('c-1'));
        await w.waitFor('c-1');
        await store.setPaused('c-1', true);
        await store.upsert(scheduleInput('c-2'));
        await w.waitFor('c-2');
        expect(w.heard.filter((id) => id === 'c-1')).toHaveLength(2);
        await store.remove('c-1');
        await store.upsert(scheduleInput('c-3'));
        await w.waitFor('c-3');
        expect(w.heard.filter((id) => id === 'c-1')).toHaveLength(3);
      } finally {
        w.stop();
      }
    });

    it('should not tell watchers of an upsert or pause that changes nothing', async () => {
      await store.upsert(scheduleInput('c-1'));
      const w = watcher(peer);
      try {
        await store.upsert(scheduleInput('c-1'));
        await store.setPaused('c-1', false);
        await store.remove('nobody');
        await store.upsert(scheduleInput('marker'));
        await w.waitFor('marker');
        expect(w.heard).toEqual(['marker']);
      } finally {
        w.stop();
      }
    });

    it('should stop telling a watcher after it unsubscribes', async () => {
      const gone = watcher(peer);
      const kept = watcher(peer);
      try {
        gone.stop();
        await store.upsert(scheduleInput('c-1'));
        await kept.waitFor('c-1');
        expect(gone.heard).toEqual([]);
      } finally {
        kept.stop();
      }
    });
  });
}
