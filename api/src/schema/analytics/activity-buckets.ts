import { badInput } from '../../graphql/errors';
import { ActivityInterval } from './analytics.type';

/** Seconds in one bucket of each interval (graph-node's `hour` and `day`, UTC). */
export const BUCKET_SECONDS: Record<ActivityInterval, number> = { [ActivityInterval.HOUR]: 3_600, [ActivityInterval.DAY]: 86_400 };
/** Most buckets one activity query spans: 31 days of hours, or a year (and a leap day) of days. */
export const MAX_BUCKETS: Record<ActivityInterval, number> = { [ActivityInterval.HOUR]: 744, [ActivityInterval.DAY]: 366 };

/** graph-node's Timestamp scalar: microseconds since the epoch, as text. */
export const micros = (seconds: number): string => `${seconds}000000`;
export const seconds = (timestamp: string): number => Number(BigInt(timestamp) / 1_000_000n);

/** The start (seconds) of the bucket that holds `time` (seconds). */
export const bucketOf = (time: number, interval: ActivityInterval): number => Math.floor(time / BUCKET_SECONDS[interval]) * BUCKET_SECONDS[interval];

/**
 * The first and last bucket (their starts, in seconds) of a requested range, or BAD_USER_INPUT naming
 * the field: both ends are required, `to` not before `from`, and the range at most MAX_BUCKETS long.
 */
export function bucketRange(from: Date | null | undefined, to: Date | null | undefined, interval: ActivityInterval): { first: number; last: number } {
  const unit = interval === ActivityInterval.HOUR ? 'hours' : 'days';
  const max = MAX_BUCKETS[interval];
  if (!from || Number.isNaN(from.getTime())) throw badInput('input.from', `is required: the start of the range (at most ${max} ${unit} before input.to)`);
  if (!to || Number.isNaN(to.getTime())) throw badInput('input.to', `is required: the end of the range (at most ${max} ${unit} after input.from)`);
  if (to.getTime() < from.getTime()) throw badInput('input.to', 'must not be before input.from');
  const first = bucketOf(Math.floor(from.getTime() / 1000), interval);
  const last = bucketOf(Math.floor(to.getTime() / 1000), interval);
  if ((last - first) / BUCKET_SECONDS[interval] + 1 > max) {
    throw badInput('input.to', `must be at most ${max} ${unit} after input.from for the ${interval} interval${interval === ActivityInterval.HOUR ? '; use DAY for longer ranges' : ''}`);
  }
  return { first, last };
}
