import { allow, rule, shield } from 'graphql-shield';
import type { IRule, IRules } from 'graphql-shield';
import { defaultFieldResolver, isObjectType, type GraphQLError, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import type { Context } from '../graphql/context';
import { forbidden, toGraphQLError } from '../graphql/errors';

/**
 * How the rules of permissions.ts are applied to the schema: graphql-shield's middleware, rules decided
 * once per parent object, deciding such rules ahead of the fields, and the fast paths that skip the
 * shield where its answer is already known. No rule lives here: every decision is one of permissions.ts,
 * this file only decides when it is made and how a field gets it.
 */

/** A rule's answer: allowed, or the error to show. */
export type Decision = boolean | GraphQLError;

/** The decisions of a rule decided once per parent object (see `perParentRule`). */
export interface PerParentDecisions<P extends object> {
  /** The decision for `parent`, made on the first ask and shared by every later one. */
  decide(parent: P, ctx: Context): Promise<Decision>;
  /** Decides for every parent, once per group of parents the rule treats alike. */
  decideAll(parents: readonly P[], ctx: Context): Promise<void>;
  /** The decision for `parent` once it is made, for a resolver to use without waiting. */
  settled(parent: P): Decision | undefined;
}

/** A shield rule that carries its per-parent decisions: the shield finds them in the rule tree, no registry needed. */
export type PerParentRule<P extends object> = IRule & { readonly perParent: PerParentDecisions<P> };

/**
 * A rule answered once per parent object: every field of one record shares one decision instead of
 * asking again per field. `sameDecision` names what the decision depends on (e.g. a record's patient
 * and category): parents decided together that share it share one decision. A thrown error becomes the
 * decision (e.g. BAD_USER_INPUT naming an argument), so the client learns what to fix.
 */
export function perParentRule<P extends object>(
  name: string,
  decideOne: (parent: P, ctx: Context) => Promise<Decision>,
  sameDecision?: (parent: P) => string,
): PerParentRule<P> {
  // Keyed by the parent object, which lives as long as its request (live events are copied per subscriber).
  const decisions = new WeakMap<object, Promise<Decision>>();
  const settled = new WeakMap<object, Decision>();
  const decide = (parent: P, ctx: Context): Promise<Decision> => {
    let decision = decisions.get(parent);
    if (!decision) {
      decision = decideOne(parent, ctx).catch((error: unknown) => toGraphQLError(error));
      void decision.then((value) => settled.set(parent, value));
      decisions.set(parent, decision);
    }
    return decision;
  };
  const decideAll = async (parents: readonly P[], ctx: Context): Promise<void> => {
    if (!sameDecision) {
      await Promise.all(parents.map((parent) => decide(parent, ctx)));
      return;
    }
    const groups = new Map<string, P[]>();
    for (const parent of parents) {
      const key = sameDecision(parent);
      const group = groups.get(key);
      if (group) group.push(parent);
      else groups.set(key, [parent]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const decision = decide(group[0]!, ctx);
        for (const parent of group) decisions.set(parent, decision);
        const value = await decision;
        for (const parent of group) settled.set(parent, value);
      }),
    );
  };
  const shieldRule = rule(name, { cache: 'no_cache' })((parent: P, _args: unknown, ctx: Context) => decide(parent, ctx));
  return Object.assign(shieldRule, { perParent: { decide, decideAll, settled: (parent: P) => settled.get(parent) } });
}

function perParentOf(candidate: unknown): PerParentDecisions<object> | undefined {
  return candidate !== null && typeof candidate === 'object' && 'perParent' in candidate
    ? (candidate as PerParentRule<object>).perParent
    : undefined;
}

/** The rule of `typeName.field` in `rules`: the type's own rule (a rule for every field), or the field's, or the type's `'*'` rule. */
function ruleOf(rules: IRules, typeName: string, field: string): unknown {
  const typeRules = (rules as Record<string, unknown>)[typeName];
  const isFieldMap = typeRules !== null && typeof typeRules === 'object' && Object.getPrototypeOf(typeRules) === Object.prototype;
  if (!isFieldMap) return typeRules;
  const map = typeRules as Record<string, unknown>;
  return map[field] ?? map['*'];
}

/**
 * Decides the per-object rule of `typeName` for `parents` ahead of their fields (e.g. a page of records,
 * right after it was loaded), so each field can use the settled decision without waiting. The decision
 * is the rule's own: this only moves when it is made. Resolvers reach it as `ctx.decideAhead`.
 */
export async function decideAhead(rules: IRules, typeName: string, parents: readonly object[], ctx: Context): Promise<void> {
  const perParent = perParentOf(ruleOf(rules, typeName, '*'));
  if (!perParent) throw new Error(`decideAhead needs a type whose rule is decided per parent (perParentRule); ${typeName} has none.`);
  await perParent.decideAll(parents, ctx);
}

/**
 * The schema behind the shield of `rules`: deny by default (`fallbackRule`), no external errors; rule
 * errors are never rethrown raw, in development either (tests exercise what production runs). Two fast
 * paths, neither changing a decision:
 * - fields whose rule is the constant `allow` get their own resolver back (the shield would await
 *   `true` and then call it: same answer, one promise less per field);
 * - fields under a per-object rule whose decision for that object is already settled answer at once
 *   (its `true` runs the resolver, its error is the field's error); unsettled, they go through the shield.
 * Every other field, and every field without a rule, stays behind the shield and its deny-by-default.
 */
export function shieldSchema(schema: GraphQLSchema, rules: IRules, fallbackRule: IRule): GraphQLSchema {
  const shielded = applyMiddleware(
    schema,
    shield(rules, {
      fallbackRule,
      allowExternalErrors: false,
      debug: false,
      fallbackError: async (error: unknown) => (error ? toGraphQLError(error) : forbidden()),
    }),
  );
  for (const typeName of Object.keys(rules)) {
    const original = schema.getType(typeName);
    const wrapped = shielded.getType(typeName);
    if (!isObjectType(original) || !isObjectType(wrapped)) continue;
    const originalFields = original.getFields();
    for (const [name, field] of Object.entries(wrapped.getFields())) {
      const fieldRule = ruleOf(rules, typeName, name);
      const direct = originalFields[name]!.resolve ?? defaultFieldResolver;
      if (fieldRule === allow) {
        field.resolve = originalFields[name]!.resolve;
        continue;
      }
      const perParent = perParentOf(fieldRule);
      if (!perParent) continue;
      const viaShield = field.resolve!;
      field.resolve = (parent, args, ctx, info) => {
        const decision = perParent.settled(parent as object);
        if (decision === true) return direct(parent, args, ctx, info);
        if (decision instanceof Error) return decision;
        return viaShield(parent, args, ctx, info);
      };
    }
  }
  return shielded;
}
