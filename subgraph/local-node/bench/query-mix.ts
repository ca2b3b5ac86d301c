/**
 * The benchmark's mix of list queries, as analysts and the API send them: filters with ordering,
 * nested filters, time-travel, pagination, string filters and relations. Values vary per request.
 */
import { ACCOUNTS, CREATE_BLOCKS, PURPOSES, SCOPES, UPDATE_BLOCKS, accountId } from './query-fixture';

export interface BenchRequest {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

const FIELDS = 'id scope purpose active expiresAt patient { id verified }';

export function benchRequest(i: number, pick: (n: number) => number): BenchRequest {
  const latest = CREATE_BLOCKS + UPDATE_BLOCKS;
  switch (i % 6) {
    case 0:
      return {
        name: 'filter+order',
        query: `query ($scope: Scope!) { consents(first: 100, where: { scope: $scope, active: true }, orderBy: expiresAt, orderDirection: desc) { ${FIELDS} } }`,
        variables: { scope: SCOPES[pick(SCOPES.length)] },
      };
    case 1:
      return {
        name: 'nested filter',
        query: `query ($t: BigInt!) { consents(first: 50, where: { patient_: { verified: true }, expiresAt_gt: $t }, orderBy: createdAt) { ${FIELDS} } }`,
        variables: { t: String(1_800_000_000 + pick(100_000_000)) },
      };
    case 2:
      return {
        name: 'time-travel',
        query: `query ($b: Int!, $g: String!) { consents(first: 100, block: { number: $b }, where: { grantee: $g }) { ${FIELDS} } }`,
        variables: { b: CREATE_BLOCKS + pick(latest - CREATE_BLOCKS) + 1, g: accountId(pick(ACCOUNTS)) },
      };
    case 3:
      return {
        name: 'page+relation',
        query:
          'query ($skip: Int!) { accounts(first: 100, skip: $skip, orderBy: consentCount, orderDirection: desc, where: { verified: true }) { id name consentCount consents(first: 5, orderBy: createdAt) { id active } } }',
        variables: { skip: pick(20) * 100 },
      };
    case 4:
      return {
        name: 'string filter, time-travel',
        query: `query ($p: String!, $b: Int!) { consents(first: 100, block: { number: $b }, where: { purpose_starts_with: $p }, orderBy: id) { ${FIELDS} } }`,
        variables: { p: PURPOSES[pick(PURPOSES.length)].slice(0, 2), b: pick(latest) + 1 },
      };
    default:
      return {
        name: 'entity+derived',
        query: 'query ($id: ID!) { account(id: $id) { id name verified consents(first: 20, orderBy: expiresAt, orderDirection: desc) { id expiresAt grantee { id } } } }',
        variables: { id: accountId(pick(ACCOUNTS)) },
      };
  }
}
