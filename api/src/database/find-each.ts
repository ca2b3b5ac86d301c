import type { Model } from 'mongoose';

/** Most values one `$in` query carries; longer lists are split into queries of this many, in flight at once. */
const MAX_VALUES_PER_QUERY = 1000;

/**
 * The documents whose `field` equals each of `values`, as a map from the value: one
 * `{ field: { $in: values } }` query (per thousand values), which an index on `field` serves. On the
 * embedded store, FerretDB 1.24 evaluates `$in` itself over every document of the collection; the
 * project's build patches it to hand a `$in` of strings to PostgreSQL as a containment per value, which
 * the field's index serves (stack/documents/ferretdb/patches, docs/benchmarks.md). On MongoDB the same
 * index serves it. `also` adds equalities the query carries (e.g. a profile's kind); `projection` leaves
 * fields out. The query goes to the driver's collection directly, as plain documents (what mongoose's
 * `lean()` returns), without mongoose building and casting a query.
 */
export async function findEach<T>(
  model: Model<T>,
  field: string,
  values: readonly string[],
  options: { also?: Record<string, string>; projection?: Record<string, 0 | 1> } = {},
): Promise<Map<string, T>> {
  const distinct = [...new Set(values)];
  const chunks: string[][] = [];
  for (let start = 0; start < distinct.length; start += MAX_VALUES_PER_QUERY) chunks.push(distinct.slice(start, start + MAX_VALUES_PER_QUERY));
  const found = await Promise.all(
    // Binary fields come back as Buffers (what the ciphers take) rather than BSON Binary wrappers.
    chunks.map((chunk) => model.collection.find({ ...options.also, [field]: { $in: chunk } }, { projection: options.projection, promoteBuffers: true }).toArray()),
  );
  const byValue = new Map<string, T>();
  for (const documents of found) {
    for (const document of documents) byValue.set((document as Record<string, unknown>)[field] as string, document as unknown as T);
  }
  return byValue;
}
