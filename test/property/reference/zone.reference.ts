// An independent model of a time zone for brute-force checks: the zone's UTC
// offset at any instant and its transitions, found by sampling Intl and
// bisecting. Written apart from lib/triggers/zoned-time.ts on purpose, so the
// property tests do not grade the library's arithmetic with itself.

/** One change of a zone's offset: from `at` on, the offset is `after`. */
export interface Transition {
  /** Epoch ms of the first instant on the new offset. */
  at: number;
  /** Offset before, in ms (`+3 600 000` for CET). */
  before: number;
  /** Offset after, in ms. */
  after: number;
}

/** A wall-clock reading in a zone. */
export interface Wall {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0 (Sunday) – 6 */
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

/** Reads a "wall time as if UTC" number into fields. */
export function wallOf(wallAsUtc: number): Wall {
  const d = new Date(wallAsUtc);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A zone's offsets and transitions, computed lazily one calendar year at a time. */
export class ZoneModel {
  private readonly format: Intl.DateTimeFormat;
  private readonly years = new Map<number, Transition[]>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The offset straight from Intl (slow; the ground truth). */
  intlOffset(instant: number): number {
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(instant))) {
      if (part.type !== 'literal' && part.type !== 'era')
        fields[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      fields.year,
      fields.month - 1,
      fields.day,
      fields.hour,
      fields.minute,
      fields.second,
    );
    return asUtc - Math.floor(instant / 1000) * 1000;
  }

  /** Transitions whose instant lies in the given UTC calendar year. */
  transitionsIn(year: number): Transition[] {
    let found = this.years.get(year);
    if (found) return found;
    found = [];
    // Sample month by month (no zone used here changes twice within a month),
    // then bisect each change down to the millisecond.
    let t = Date.UTC(year, 0, 1);
    let offset = this.intlOffset(t);
    for (let month = 1; month <= 12; month++) {
      const u = Date.UTC(year, month, 1);
      const next = this.intlOffset(u);
      if (next !== offset) {
        // Bisect to the first millisecond on the new offset.
        let lo = t;
        let hi = u;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.intlOffset(mid) === offset) lo = mid;
          else hi = mid;
        }
        if (hi % 60_000 !== 0)
          throw new Error(
            `${this.timeZone}: transition off a whole minute at ${hi}`,
          );
        found.push({ at: hi, before: offset, after: next });
      }
      t = u;
      offset = next;
    }
    this.years.set(year, found);
    return found;
  }

  /** Transitions with `from <= at < to`. */
  transitionsBetween(from: number, to: number): Transition[] {
    const out: Transition[] = [];
    for (
      let y = new Date(from).getUTCFullYear();
      y <= new Date(to).getUTCFullYear();
      y++
    ) {
      for (const tr of this.transitionsIn(y))
        if (tr.at >= from && tr.at < to) out.push(tr);
    }
    return out;
  }

  /** The offset at an instant, through the transition table (fast). */
  offsetAt(instant: number): number {
    const year = new Date(instant).getUTCFullYear();
    // The last transition at or before the instant decides, looking back a year.
    for (const y of [year, year - 1]) {
      const list = this.transitionsIn(y);
      for (let i = list.length - 1; i >= 0; i--)
        if (list[i].at <= instant) return list[i].after;
    }
    return this.intlOffset(Date.UTC(year - 1, 0, 1));
  }

  /** The wall-clock reading of an instant. */
  wallAt(instant: number): Wall {
    return wallOf(instant + this.offsetAt(instant));
  }
}

const models = new Map<string, ZoneModel>();

/** One shared model per zone (transition tables are pure facts, safe to cache). */
export function zoneModel(timeZone: string): ZoneModel {
  let model = models.get(timeZone);
  if (!model) {
    model = new ZoneModel(timeZone);
    models.set(timeZone, model);
  }
  return model;
}
