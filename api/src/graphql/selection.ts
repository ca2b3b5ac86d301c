import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

function childFields(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo, name: string, out: FieldNode[]): void {
  if (!selectionSet) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) out.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      childFields(selection.selectionSet, info, name, out);
    } else {
      childFields(info.fragments[selection.name.value]?.selectionSet, info, name, out);
    }
  }
}

/**
 * Whether the query selects `path` below the field being resolved (through fragments too), e.g.
 * `['nodes', 'author', 'providerProfile']` under `records`. Lets a list resolver load, in one batch,
 * data its items' fields will ask for anyway.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let fields: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const field of fields) childFields(field.selectionSet, info, name, next);
    if (next.length === 0) return false;
    fields = next;
  }
  return true;
}
