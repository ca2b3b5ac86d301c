import type { Model } from 'mongoose';

/**
 * The documents whose `field` equals each of `values`: one equality lookup per distinct value, all in
 * flight at once, instead of one `{ field: { $in: values } }`. The embedded store (FerretDB 1.24) hands
 * only top-level equalities to PostgreSQL, where an index serves them; `$in` it evaluates itself over
 * every document of the collection. On MongoDB each lookup is served by the same index. `also` adds
 * equalities every lookup carries (e.g. a profile's kind); `projection` leaves fields out. The lookups
 * go to the driver's collection directly, as plain documents (what mongoose's `lean()` returns), without
 * mongoose building and casting a query for each of them.
 */
export async function findEach<T>(
  model: Model<T>,
  field: string,
  values: readonly string[],
  options: { also?: Record<string, string>; projection?: Record<string, 0 | 1> } = {},
): Promise<Map<string, T>> {
  const distinct = [...new Set(values)];
  const found = await Promise.all(
    distinct.map((value) => model.collection.findOne({ ...options.also, [field]: value }, { projection: options.projection })),
  );
  const byValue = new Map<string, T>();
  distinct.forEach((value, index) => {
    const document = found[index];
    if (document) byValue.set(value, document as unknown as T);
  });
  return byValue;
}
