import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { everyIntervalMs } from '../triggers/every.trigger';

const DURATION_UNITS: ReadonlyArray<[label: string, ms: number]> = [
  ['wk', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

const DAYS: Record<string, string> = {
  'every monday': 'Mon',
  'every tuesday': 'Tue',
  'every wednesday': 'Wed',
  'every thursday': 'Thu',
  'every friday': 'Fri',
  'every saturday': 'Sat',
  'every sunday': 'Sun',
};

/** A duration in the largest units that divide it: 90 000 → "1 min 30 s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0 s';
  const parts: string[] = [];
  let rest = ms;
  for (const [label, size] of DURATION_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count} ${label}`);
      rest -= count * size;
    }
  }
  return parts.join(' ');
}

const pad = (n: number | undefined): string => String(n ?? 0).padStart(2, '0');

/**
 * A trigger in words, as the dashboard shows it: "every 5 s",
 * "Mon 09:00 Europe/Berlin", "cron 0 9 * * 1-5", "every 4 s or cron 0 * * * *".
 * A zone is shown only when the trigger names one (otherwise the module's
 * `timeZone` applies).
 * @param spec the trigger as `TaskInfo.trigger` reports it
 */
export function describeTrigger(spec: TriggerSpec): string {
  const loops = (spec as { maxLoopCount?: number }).maxLoopCount;
  const limit =
    loops === undefined ? '' : `, ${loops} run${loops === 1 ? '' : 's'}`;
  switch (spec.type) {
    case 'every': {
      const first =
        spec.firstRunStrategy === 'immediate' ? ', first at start' : '';
      return `every ${formatDuration(everyIntervalMs(spec))}${first}${limit}`;
    }
    case 'at': {
      const time = `${pad(spec.hour)}:${pad(spec.minute)}${spec.second ? `:${pad(spec.second)}` : ''}`;
      const day = DAYS[spec.at ?? 'every day'] ?? 'daily';
      return `${day} ${time}${spec.tz ? ` ${spec.tz}` : ''}${limit}`;
    }
    case 'cron':
      return `cron ${spec.cron}${spec.tz ? ` ${spec.tz}` : ''}${limit}`;
    case 'once':
      return 'once, at start';
    case 'forever':
      return `back to back${limit}`;
    case 'or':
      return `${spec.triggers.map(describeTrigger).join(' or ')}${limit}`;
    case 'startup':
      return 'on start-up';
    case 'shutdown':
      return 'on shutdown';
    default:
      return (spec as { type: string }).type;
  }
}
