import type { Model } from 'mongoose';

/** A collection whose documents carry an explicit `expiresAt`. */
type Expiring = Pick<Model<{ expiresAt: Date }>, 'deleteMany' | 'modelName'>;

/**
 * Deletes documents whose `expiresAt` has passed. FerretDB 1.x has no TTL indexes, so expiry is a field
 * every read also checks, and this sweep only reclaims space. Returns the count deleted per model.
 */
export async function sweepExpired(models: readonly Expiring[], now = new Date()): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const model of models) {
    const result = await model.deleteMany({ expiresAt: { $lte: now } });
    counts[model.modelName] = result.deletedCount;
  }
  return counts;
}

/**
 * Runs `sweepExpired` every `intervalMs` until the returned function is called. The timer does not keep
 * the process alive; a failed sweep is reported to `onError` and retried at the next tick.
 */
export function startExpirySweep(
  models: readonly Expiring[],
  options: { intervalMs: number; onError?: (error: unknown) => void },
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpired(models)
      .catch((error) => (options.onError ?? ((e) => console.error('Expiry sweep failed:', e)))(error))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
