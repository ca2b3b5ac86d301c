import { Interface } from 'ethers';
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { RecordRegistry__factory } from '../../../../typechain-types';
import { scopeCode } from '../../chain/codes';
import type { Context } from '../../graphql/context';
import { badInput, notFound } from '../../graphql/errors';
import { BadInputError, ConflictError } from '../../errors';
import { validateFhirResource } from '../../records/fhir-validator';
import { MAX_REASON_LENGTH, declinedDocument, requestDetails, requestDocument } from '../../records/amendment-request';
import { loadRecord } from '../records/record.read';
import { checkCurrentOnChain, withFieldPrefix } from '../records/record.resolver';
import { Record } from '../records/record.type';
import {
  AmendmentRequest,
  AmendmentRequestDetails,
  AmendmentStatus,
  DeclineAmendmentInput,
  PreparedAmendmentRequest,
  PreparedDecline,
  RequestAmendmentInput,
} from './amendment.type';

const registry = new Interface(RecordRegistry__factory.abi);
const seconds = (value: string | null | undefined): Date | null => (value ? new Date(Number(value) * 1000) : null);

function reasonArg(value: string, field: string): string {
  const reason = value.trim();
  if (reason.length === 0) throw badInput(field, 'is empty; say why, in words the other side can act on');
  if (reason.length > MAX_REASON_LENGTH) throw badInput(field, `is ${reason.length} characters long; at most ${MAX_REASON_LENGTH} are allowed`);
  return reason;
}

@Resolver(() => Record)
export class RecordAmendmentsResolver {
  @FieldResolver(() => [AmendmentRequest], { description: 'Amendment requests filed against the record, oldest first.' })
  async amendmentRequests(@Root() record: Readonly<Record>, @Ctx() ctx: Context): Promise<AmendmentRequest[]> {
    if (!record.anchored) return [];
    const rows = await ctx.loaders.amendmentRequestsByRecord.load(record.id);
    return rows.map((row) => ({
      id: row.id,
      recordId: record.id,
      patient: row.patient.id,
      requestedBy: row.requestedBy.id,
      version: row.version,
      requestHash: row.requestHash,
      status: row.status as AmendmentStatus,
      requestedAt: seconds(row.requestedAt)!,
      answeredBy: row.answeredBy?.id ?? null,
      answeredAt: seconds(row.answeredAt),
      answerVersion: row.answerVersion ?? null,
      reasonHash: row.reasonHash ?? null,
      category: record.category,
    }));
  }

  @FieldResolver(() => Boolean, {
    description: "Whether the current version was written by a clinician (under a write consent): the patient and guardians then file an amendment request instead of amending. From the chain at the latest block.",
  })
  clinicianVersion(@Root() record: Readonly<Record>, @Ctx() ctx: Context): Promise<boolean> | boolean {
    return record.anchored ? ctx.access.isClinicianVersion(record.id) : false;
  }

  @Mutation(() => PreparedAmendmentRequest, {
    description:
      "The patient or a guardian asks to correct a clinician's current version: the proposed change (validated as FHIR of the record's type) and the reason are stored encrypted, and the requestAmendment transaction is returned for their wallet.",
  })
  async requestAmendment(@Arg('input', () => RequestAmendmentInput) input: RequestAmendmentInput, @Ctx() ctx: Context): Promise<PreparedAmendmentRequest> {
    const { recordId, currentCommitment } = input;
    const reason = reasonArg(input.reason, 'input.reason');
    const record = await loadRecord(ctx, recordId);
    if (!record) throw notFound(`No record ${input.recordId}.`);
    await checkCurrentOnChain(ctx, record, currentCommitment, 'request an amendment of');
    if (!(await ctx.access.isClinicianVersion(recordId))) {
      throw new ConflictError(`The current version of record ${recordId} was written by the patient or a guardian: amend it directly instead.`, 'input.recordId');
    }
    const proposedChange = (() => {
      try {
        return validateFhirResource(input.proposedChange);
      } catch (error) {
        if (error instanceof BadInputError) {
          throw new BadInputError(error.issues.map((issue) => ({ field: `input.proposedChange${issue.field.replace(/^content/, '')}`, message: issue.message })));
        }
        throw error;
      }
    })();
    if (proposedChange.resourceType !== record.category) {
      throw badInput('input.proposedChange.resourceType', `must stay ${record.category}, the type of record ${recordId}`);
    }
    const { recordId: requestId, commitment: requestHash } = await ctx.services.records.create({
      patient: record.patient,
      author: ctx.viewer!,
      content: requestDocument({ patient: record.patient, recordId, version: record.version, proposedChange, reason }),
    });
    const { deployment, chainId } = ctx.services.chain;
    return {
      requestId,
      requestHash,
      transaction: {
        to: deployment.contracts.RecordRegistry.address,
        data: registry.encodeFunctionData('requestAmendment', [requestId, recordId, record.patient, scopeCode(record.category, 'category'), currentCommitment, requestHash]),
        chainId,
      },
    };
  }

  @Mutation(() => PreparedDecline, {
    description:
      "A provider with a write consent for the record's category declines an open amendment request: the reason is stored encrypted with the request, and the declineAmendment transaction is returned for her wallet. To accept, amend the record with `requestId`.",
  })
  async declineAmendment(@Arg('input', () => DeclineAmendmentInput) input: DeclineAmendmentInput, @Ctx() ctx: Context): Promise<PreparedDecline> {
    const { requestId } = input;
    const reason = reasonArg(input.reason, 'input.reason');
    const { deployment, chainId } = ctx.services.chain;
    const request = await ctx.access.amendmentRequest(requestId);
    if (!request) throw notFound(`No amendment request ${requestId} on-chain (filed requests show once their transaction is mined).`);
    if (!request.open) throw new ConflictError(`Amendment request ${requestId} was answered already; reload the record.`, 'input.requestId');
    const record = await loadRecord(ctx, request.recordId);
    if (!record?.commitment) throw notFound(`No record ${request.recordId}.`);
    const filed = (await ctx.loaders.amendmentRequestsByRecord.load(request.recordId)).find((row) => row.id === requestId);
    if (!filed) throw notFound(`Amendment request ${requestId} is not indexed yet; retry in a few seconds.`);
    const stored = await ctx.loaders.amendmentRequestRead.load({ requestId, patient: record.patient, category: record.category });
    if (!requestDetails(stored.content)) throw notFound(`The API holds no text for amendment request ${requestId}.`);
    // The decline is the request's next version after the one filed on-chain (a decline prepared and never sent is replaced).
    const declined = await withFieldPrefix('input', () =>
      ctx.services.records.amend({ recordId: requestId, author: ctx.viewer!, content: declinedDocument(stored.content!, reason), currentCommitment: filed.requestHash }),
    );
    return {
      requestId,
      reasonHash: declined.commitment,
      transaction: {
        to: deployment.contracts.RecordRegistry.address,
        data: registry.encodeFunctionData('declineAmendment', [requestId, scopeCode(record.category, 'category'), record.commitment, declined.commitment]),
        chainId,
      },
    };
  }
}

@Resolver(() => AmendmentRequest)
export class AmendmentRequestResolver {
  @FieldResolver(() => AmendmentRequestDetails, {
    nullable: true,
    description: "The request's text (and a decline's reason), decrypted after the read is audited; null when the API holds none.",
  })
  async details(@Root() request: Readonly<AmendmentRequest>, @Ctx() ctx: Context): Promise<AmendmentRequestDetails | null> {
    const read = await ctx.loaders.amendmentRequestRead.load({ requestId: request.id, patient: request.patient, category: request.category });
    const details = requestDetails(read.content);
    if (!details) return null;
    const committed = request.status === AmendmentStatus.DECLINED ? request.reasonHash : request.requestHash;
    // An open or accepted request is read as filed (version 1); a decline adds the reason (version 2).
    const shown = request.status === AmendmentStatus.DECLINED ? details : { ...details, declineReason: null };
    return { ...shown, matchesChain: read.commitment === committed?.toLowerCase() };
  }
}
