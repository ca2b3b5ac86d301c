import { LRUCache } from 'lru-cache';

/**
 * Answers of contract views at a given block, shared between requests. A view called at block N always
 * gives the same answer (the block, its state and its timestamp are fixed), so an answer keyed by the
 * block number can be reused by every request that reads at that block, and is never stale: once a new
 * block exists, requests read at it and ask again. Bounded: the least recently used entries go first.
 */
export class DecisionCache {
  private readonly entries: LRUCache<string, Promise<boolean>>;

  constructor(maxEntries = 50_000) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  get(block: number, key: string, question: () => Promise<boolean>): { answer: Promise<boolean>; asked: boolean } {
    const cacheKey = `${block}|${key}`;
    const cached = this.entries.get(cacheKey);
    if (cached) return { answer: cached, asked: false };
    const answer = question();
    this.entries.set(cacheKey, answer);
    // A failed call is not an answer: forget it so the next request asks again.
    answer.catch(() => {
      if (this.entries.peek(cacheKey) === answer) this.entries.delete(cacheKey);
    });
    return { answer, asked: true };
  }

  get size(): number {
    return this.entries.size;
  }
}
