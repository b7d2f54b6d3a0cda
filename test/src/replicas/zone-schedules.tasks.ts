import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ScheduleHandler, type TaskContext } from '../../../lib';
import { REPLICA_STORE, runKey, type ReplicaStore } from './replica.tasks';

/** The handler the zone schedules of the `schedules` app name. */
export const ZONE_HANDLER = 'zones.tick';

/**
 * Zones the scale test spreads its schedules over: whole, half- and
 * quarter-hour offsets, both hemispheres (their DST rules differ).
 */
export const SCHEDULE_ZONES: readonly string[] = [
  'UTC',
  'America/New_York',
  'America/St_Johns',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Adelaide',
  'Australia/Eucla',
  'Europe/Berlin',
  'Pacific/Chatham',
  'America/Sao_Paulo',
];

/** One `@ScheduleHandler` recording each run in the run ledger, as the spread tasks do. */
@Injectable()
export class ZoneScheduleHandlers {
  constructor(@Inject(REPLICA_STORE) private readonly store: ReplicaStore) {}

  @ScheduleHandler(ZONE_HANDLER)
  async tick(_payload: unknown, ctx: TaskContext): Promise<void> {
    const { redis, namespace, replicaId } = this.store;
    await redis.sadd(
      runKey(namespace, ctx.name, ctx.scheduledAt.getTime()),
      `${replicaId}|${randomUUID()}`,
    );
  }
}
