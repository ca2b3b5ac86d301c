import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { AmendmentRequestResolver, RecordAmendmentsResolver } from '../schema/amendments/amendment.resolver';
import { AnalyticsResolver } from '../schema/analytics/analytics.resolver';
import { AuditEntryResolver, AuditTrailResolver } from '../schema/audit/audit.resolver';
import { ConsentResolver } from '../schema/consents/consent.resolver';
import { EmergencyResolver } from '../schema/emergency/emergency.resolver';
import { PatientResolver } from '../schema/patients/patient.resolver';
import { AccountResolver } from '../schema/providers/provider.resolver';
import { RecordResolver, RecordVersionResolver } from '../schema/records/record.resolver';
import { TreatmentPlanResolver, TreatmentResolver } from '../schema/treatments/treatment.resolver';
import { HealthResolver } from '../schema/health.resolver';
import { LiveResolver } from '../schema/live/live.resolver';

/** Every resolver class of the API, one per domain folder. */
export const RESOLVERS = [
  HealthResolver,
  AccountResolver,
  PatientResolver,
  RecordResolver,
  RecordVersionResolver,
  RecordAmendmentsResolver,
  AmendmentRequestResolver,
  ConsentResolver,
  TreatmentResolver,
  TreatmentPlanResolver,
  EmergencyResolver,
  AuditTrailResolver,
  AuditEntryResolver,
  AnalyticsResolver,
  LiveResolver,
] as const;

let built: GraphQLSchema | undefined;

/** The executable schema from the type-graphql classes (without permissions; see permissions.ts). */
export function buildApiSchema(): GraphQLSchema {
  built ??= buildSchemaSync({
    resolvers: [...RESOLVERS],
    // Inputs are checked by the resolvers and the data layer, each naming the bad field.
    validate: false,
    // type-graphql asks for a PubSub once there are subscriptions; every subscription here brings its
    // own source (`subscribe`: the live event hub), so topics are not used.
    pubSub: {
      publish: () => {
        throw new Error('Subscriptions are fed by the live event hub (api/src/live), not by topics.');
      },
      subscribe: () => {
        throw new Error('Subscriptions are fed by the live event hub (api/src/live), not by topics.');
      },
    },
  });
  return built;
}

/** The schema as SDL, sorted: what api/schema.graphql holds and what clients are generated from. */
export function printApiSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildApiSchema()))}\n`;
}
