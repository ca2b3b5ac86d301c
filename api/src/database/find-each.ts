import type { QueryFilter, Model, ProjectionType } from 'mongoose';

/**
 * The documents whose `field` equals each of `values`: one equality lookup per distinct value, all in
 * flight at once, instead of one `{ field: { $in: values } }`. The embedded store (FerretDB 1.24) hands
 * only top-level equalities to PostgreSQL, where an index serves them; `$in` it evaluates itself over
 * every document of the collection. On MongoDB each lookup is served by the same index. `also` adds
 * equalities every lookup carries (e.g. a profile's kind); `select` is the projection.
 */
export async function findEach<T>(
  model: Model<T>,
  field: string,
  values: readonly string[],
  options: { also?: Record<string, string>; select?: ProjectionType<T> } = {},
): Promise<Map<string, T>> {
  const distinct = [...new Set(values)];
  const found = await Promise.all(
    distinct.map((value) => model.findOne({ ...options.also, [field]: value } as QueryFilter<T>, options.select).lean<T>()),
  );
  const byValue = new Map<string, T>();
  distinct.forEach((value, index) => {
    const document = found[index];
    if (document) byValue.set(value, document as T);
  });
  return byValue;
}
