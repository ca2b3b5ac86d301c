import type { ProfileOf, ProfileService } from './profile.service';

type DirectoryKind = 'provider' | 'researcher';

/**
 * The public directory profiles of providers and researchers, reused between requests for a short time
 * (they are public and change rarely; a page of records names the same authors request after request).
 * A profile saved through this instance is forgotten at once; other instances see it within `ttlMs`.
 * Patients' profiles are personal data and never cached.
 */
export class DirectoryProfileCache {
  private readonly entries = new Map<string, { profile: unknown; until: number }>();

  constructor(
    private readonly profiles: ProfileService,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Profiles of `addresses` in order (null where none): a DataLoader batch function. */
  async load<K extends DirectoryKind>(kind: K, addresses: readonly string[]): Promise<(ProfileOf[K] | null)[]> {
    const now = Date.now();
    const result: (ProfileOf[K] | null | undefined)[] = addresses.map((address) => {
      const entry = this.entries.get(`${kind}:${address}`);
      return entry && entry.until > now ? (entry.profile as ProfileOf[K] | null) : undefined;
    });
    const missing = addresses.filter((_, index) => result[index] === undefined);
    if (missing.length > 0) {
      const fetched = await this.profiles.getProfiles(kind, missing);
      const byAddress = new Map(missing.map((address, index) => [address, fetched[index] ?? null]));
      for (const [address, profile] of byAddress) {
        if (this.ttlMs > 0) this.entries.set(`${kind}:${address}`, { profile, until: now + this.ttlMs });
      }
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      addresses.forEach((address, index) => {
        if (result[index] === undefined) result[index] = byAddress.get(address) ?? null;
      });
    }
    return result as (ProfileOf[K] | null)[];
  }

  /** Forgets a profile after it changed. */
  forget(kind: DirectoryKind, address: string): void {
    this.entries.delete(`${kind}:${address.toLowerCase()}`);
  }
}
