import { LRUCache } from 'lru-cache';
import type { ProfileOf, ProfileService } from './profile.service';

type DirectoryKind = 'provider' | 'researcher';

/**
 * The public directory profiles of providers and researchers, reused between requests for a short time
 * (they are public and change rarely; a page of records names the same authors request after request).
 * A profile saved through this instance is forgotten at once; other instances see it within `ttlMs`.
 * Patients' profiles are personal data and never cached.
 */
export class DirectoryProfileCache {
  /** By `kind:address`; null when the directory holds no profile (absent: not cached). */
  private readonly entries: LRUCache<string, { profile: unknown }> | null;

  constructor(
    private readonly profiles: ProfileService,
    ttlMs: number,
    maxEntries = 10_000,
  ) {
    this.entries = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs }) : null;
  }

  /** Profiles of `addresses` in order (null where none): a DataLoader batch function. */
  async load<K extends DirectoryKind>(kind: K, addresses: readonly string[]): Promise<(ProfileOf[K] | null)[]> {
    const result: (ProfileOf[K] | null | undefined)[] = addresses.map(
      (address) => this.entries?.get(`${kind}:${address}`)?.profile as ProfileOf[K] | null | undefined,
    );
    const missing = addresses.filter((_, index) => result[index] === undefined);
    if (missing.length > 0) {
      const fetched = await this.profiles.getProfiles(kind, missing);
      const byAddress = new Map(missing.map((address, index) => [address, fetched[index] ?? null]));
      for (const [address, profile] of byAddress) this.entries?.set(`${kind}:${address}`, { profile });
      addresses.forEach((address, index) => {
        if (result[index] === undefined) result[index] = byAddress.get(address) ?? null;
      });
    }
    return result as (ProfileOf[K] | null)[];
  }

  /** Forgets a profile after it changed. */
  forget(kind: DirectoryKind, address: string): void {
    this.entries?.delete(`${kind}:${address.toLowerCase()}`);
  }
}
