import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type * as Operations from './generated';

/**
 * The API's subgraph operations as typed documents. The text is operations.graphql, parsed once at
 * start; the types come from GraphQL Code Generator (`npm run codegen:api`, codegen.ts), which checks
 * every operation against the subgraph's query schema. Only types are imported from the generated
 * file, so running the server never depends on a code-generation step.
 */
const source = parse(readFileSync(path.join(__dirname, 'operations.graphql'), 'utf8'));
const fragments = new Map(
  source.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
);

function fragmentsUsedBy(node: DefinitionNode, found = new Set<string>()): Set<string> {
  visit(node, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (found.has(name)) return;
      found.add(name);
      const fragment = fragments.get(name);
      if (!fragment) throw new Error(`operations.graphql: fragment ${name} is not defined.`);
      fragmentsUsedBy(fragment, found);
    },
  });
  return found;
}

function operation<TResult, TVariables>(name: string): TypedDocumentNode<TResult, TVariables> {
  const definition = source.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!definition) throw new Error(`operations.graphql has no operation ${name}.`);
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [definition, ...[...fragmentsUsedBy(definition)].map((fragment) => fragments.get(fragment)!)],
  };
  return document as TypedDocumentNode<TResult, TVariables>;
}

export const MetaDocument = operation<Operations.MetaQuery, Operations.MetaQueryVariables>('Meta');
export const ReadinessDocument = operation<Operations.ReadinessQuery, Operations.ReadinessQueryVariables>('Readiness');
export const RecordsPageDocument = operation<Operations.RecordsPageQuery, Operations.RecordsPageQueryVariables>('RecordsPage');
export const RecordsByIdDocument = operation<Operations.RecordsByIdQuery, Operations.RecordsByIdQueryVariables>('RecordsById');
export const RecordVersionsDocument = operation<Operations.RecordVersionsQuery, Operations.RecordVersionsQueryVariables>('RecordVersions');
export const AccountsByIdDocument = operation<Operations.AccountsByIdQuery, Operations.AccountsByIdQueryVariables>('AccountsById');
export const DirectoryDocument = operation<Operations.DirectoryQuery, Operations.DirectoryQueryVariables>('Directory');
export const ConsentsDocument = operation<Operations.ConsentsQuery, Operations.ConsentsQueryVariables>('Consents');
export const GuardianLinksDocument = operation<Operations.GuardianLinksQuery, Operations.GuardianLinksQueryVariables>('GuardianLinks');
export const TreatmentsDocument = operation<Operations.TreatmentsQuery, Operations.TreatmentsQueryVariables>('Treatments');
export const EmergencyAccessesDocument = operation<Operations.EmergencyAccessesQuery, Operations.EmergencyAccessesQueryVariables>('EmergencyAccesses');
export const ActivityTotalsDocument = operation<Operations.ActivityTotalsQuery, Operations.ActivityTotalsQueryVariables>('ActivityTotals');
export const ActivityByCategoryDocument = operation<Operations.ActivityByCategoryQuery, Operations.ActivityByCategoryQueryVariables>('ActivityByCategory');
export const ActivityByPurposeDocument = operation<Operations.ActivityByPurposeQuery, Operations.ActivityByPurposeQueryVariables>('ActivityByPurpose');
export const ActivityEventsDocument = operation<Operations.ActivityEventsQuery, Operations.ActivityEventsQueryVariables>('ActivityEvents');
export const AmendmentRequestsDocument = operation<Operations.AmendmentRequestsQuery, Operations.AmendmentRequestsQueryVariables>('AmendmentRequests');
export const AuditBatchesDocument = operation<Operations.AuditBatchesQuery, Operations.AuditBatchesQueryVariables>('AuditBatches');

export type RecordFields = Operations.RecordFieldsFragment;
export type ConsentFields = Operations.ConsentFieldsFragment;
export type AccountRow = Operations.AccountsByIdQuery['accounts'][number];
export type RecordVersionRow = Operations.RecordVersionsQuery['recordVersions'][number];
export type AmendmentRequestRow = Operations.AmendmentRequestsQuery['amendmentRequests'][number];
export type AuditBatchRow = Operations.AuditBatchesQuery['auditBatches'][number];
export const BlockEventsDocument = operation<Operations.BlockEventsQuery, Operations.BlockEventsQueryVariables>('BlockEvents');
export const ExpiredConsentsDocument = operation<Operations.ExpiredConsentsQuery, Operations.ExpiredConsentsQueryVariables>('ExpiredConsents');
