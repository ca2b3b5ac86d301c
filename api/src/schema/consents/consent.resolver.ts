import { Contract, Signature, TypedDataEncoder, getAddress, recoverAddress, type Interface } from 'ethers';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { CONSENT_GRANT_TYPES, consentDomain, consentGrantMessage } from '../../../../contracts/deployment/consent-grant';
import { ACCESS_READ, ACCESS_WRITE, hexArg, purposeCode, scopeCode } from '../../chain/codes';
import type { Context } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { Connection, PageArgs, page, pageArgs } from '../../graphql/pagination';
import { ConsentsDocument, GuardianLinksDocument, type ConsentFields } from '../../graphql/subgraph/documents';
import { Patient } from '../patients/patient.type';
import { Consent, ConsentTermsInput, ConsentTypedData, GuardianLink, RelayConsentInput, RelayedConsent } from './consent.type';

export const ConsentConnection = Connection(Consent, 'Consent');
export type ConsentConnection = InstanceType<typeof ConsentConnection>;
export const GuardianLinkConnection = Connection(GuardianLink, 'GuardianLink');
export type GuardianLinkConnection = InstanceType<typeof GuardianLinkConnection>;

const EIP712_DOMAIN_TYPE = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
];
/** How long a signature may wait for its relayer by default. */
const DEFAULT_SIGNATURE_WINDOW_SECONDS = 3600;

@ArgsType()
export class ConsentListArgs extends PageArgs {
  @Field({ defaultValue: false, description: 'Include revoked and expired consents.' })
  includeInactive!: boolean;
}

const now = () => Math.floor(Date.now() / 1000);

function consentOf(indexed: ConsentFields, at: number): Consent {
  const expiresAt = Number(indexed.expiresAt);
  return {
    id: indexed.id,
    patient: indexed.patient.id,
    grantee: indexed.grantee.id,
    scope: indexed.scopeName,
    canRead: indexed.canRead,
    canWrite: indexed.canWrite,
    purpose: indexed.purpose,
    expiresAt: indexed.revoked ? null : new Date(Math.min(expiresAt, 8.64e12 / 1000) * 1000),
    revoked: indexed.revoked,
    active: !indexed.revoked && expiresAt > at,
    grantedBy: indexed.grantedBy.id,
    viaSignature: indexed.viaSignature,
    updatedAt: new Date(Number(indexed.updatedAt) * 1000),
    // A consent exists only through a change, so it has a last one at any block it exists at.
    transactionHash: indexed.changes[0]!.transactionHash,
    blockNumber: Number(indexed.changes[0]!.blockNumber),
  };
}

async function consentPage(ctx: Context, side: 'patient' | 'grantee', address: string, args: ConsentListArgs): Promise<ConsentConnection> {
  const { first, after } = pageArgs(args.first, args.after);
  const where: { [key: string]: unknown } = { [side]: address };
  if (!args.includeInactive) {
    where.revoked = false;
    where.expiresAt_gt = String(now());
  }
  if (after) where.id_gt = after;
  const data = await ctx.subgraph.query(ConsentsDocument, { where, first: first + 1 });
  const at = Number(data._meta?.block.timestamp ?? now());
  const { nodes, pageInfo } = page(data.consents, first);
  return { nodes: nodes.map((consent) => consentOf(consent, at)), pageInfo };
}

async function guardianPage(ctx: Context, side: 'patient' | 'guardian', address: string, args: PageArgs): Promise<GuardianLinkConnection> {
  const { first, after } = pageArgs(args.first, args.after);
  const where: { [key: string]: unknown } = { [side]: address, appointed: true };
  if (after) where.id_gt = after;
  const data = await ctx.subgraph.query(GuardianLinksDocument, { where, first: first + 1 });
  const at = Number(data._meta?.block.timestamp ?? now());
  const { nodes, pageInfo } = page(data.guardianLinks, first);
  return {
    nodes: nodes.map((link) => {
      const expiresAt = link.expiresAt ? Number(link.expiresAt) : null;
      return {
        patient: link.patient.id,
        guardian: link.guardian.id,
        expiresAt: expiresAt === null ? null : new Date(Math.min(expiresAt, 8.64e12 / 1000) * 1000),
        active: link.appointed && (expiresAt === null || expiresAt > at),
        appointedAt: new Date(Number(link.appointedAt) * 1000),
      };
    }),
    pageInfo,
  };
}

/** The ConsentTerms tuple of an input, each bad field named. */
export function consentTerms(input: ConsentTermsInput, prefix: string) {
  // Checked and lowercase already (the Address scalar).
  const { patient, grantee } = input;
  if (grantee === patient) throw badInput(`${prefix}.grantee`, 'must differ from the patient');
  if (!input.read && !input.write) throw badInput(`${prefix}.read`, 'a consent must allow reading, writing or both');
  const expiresAt = Math.floor(input.expiresAt.getTime() / 1000);
  if (!Number.isFinite(expiresAt) || expiresAt <= now()) throw badInput(`${prefix}.expiresAt`, 'must be in the future');
  return {
    patient: getAddress(patient),
    grantee: getAddress(grantee),
    scope: scopeCode(input.scope, `${prefix}.scope`),
    access: (input.read ? ACCESS_READ : 0) | (input.write ? ACCESS_WRITE : 0),
    purpose: purposeCode(input.purpose, `${prefix}.purpose`),
    expiresAt: BigInt(expiresAt),
  };
}

@Resolver(() => Patient)
export class ConsentResolver {
  @FieldResolver(() => ConsentConnection, { description: 'Consents this patient gave (patient and guardians only).' })
  consentsGiven(@Root() patient: Patient, @Args() args: ConsentListArgs, @Ctx() ctx: Context): Promise<ConsentConnection> {
    return consentPage(ctx, 'patient', patient.address, args);
  }

  @FieldResolver(() => ConsentConnection, { description: 'Consents this account received as a grantee (itself only).' })
  consentsReceived(@Root() patient: Patient, @Args() args: ConsentListArgs, @Ctx() ctx: Context): Promise<ConsentConnection> {
    return consentPage(ctx, 'grantee', patient.address, args);
  }

  @FieldResolver(() => GuardianLinkConnection, { description: "The patient's guardians." })
  guardians(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<GuardianLinkConnection> {
    return guardianPage(ctx, 'patient', patient.address, args);
  }

  @FieldResolver(() => GuardianLinkConnection, { description: 'The patients this account is guardian of.' })
  wards(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<GuardianLinkConnection> {
    return guardianPage(ctx, 'guardian', patient.address, args);
  }

  @Query(() => ConsentTypedData, {
    description: 'EIP-712 typed data of a consent for the patient to sign; anyone may then relay it (relayConsent).',
  })
  async consentTypedData(
    @Arg('terms', () => ConsentTermsInput) input: ConsentTermsInput,
    @Arg('deadline', () => Date, { nullable: true, description: 'Default: one hour from now.' }) deadline: Date | null,
    @Ctx() ctx: Context,
  ): Promise<ConsentTypedData> {
    const terms = consentTerms(input, 'terms');
    const deadlineSeconds = deadline ? Math.floor(deadline.getTime() / 1000) : now() + DEFAULT_SIGNATURE_WINDOW_SECONDS;
    if (!Number.isFinite(deadlineSeconds) || deadlineSeconds <= now()) throw badInput('deadline', 'must be in the future');
    const { views, chainId, deployment } = ctx.services.chain;
    const nonce = await views.consents.nonces(terms.patient);
    const domain = consentDomain(chainId, deployment.contracts.ConsentManager.address);
    const message = consentGrantMessage({ ...terms, expiresAt: terms.expiresAt.toString() }, nonce.toString(), String(deadlineSeconds));
    return {
      typedData: {
        domain,
        types: { EIP712Domain: EIP712_DOMAIN_TYPE, ...CONSENT_GRANT_TYPES },
        primaryType: 'ConsentGrant',
        message,
      },
      deadline: new Date(deadlineSeconds * 1000),
      nonce: nonce.toString(),
    };
  }

  @Mutation(() => RelayedConsent, { description: "Sends a patient's signed consent with the server's relayer key and waits for it to be mined." })
  async relayConsent(@Arg('input', () => RelayConsentInput) input: RelayConsentInput, @Ctx() ctx: Context): Promise<RelayedConsent> {
    const terms = consentTerms(input.terms, 'input.terms');
    const deadline = Math.floor(input.deadline.getTime() / 1000);
    if (!Number.isFinite(deadline) || deadline <= now()) throw badInput('input.deadline', 'has passed; sign new typed data');
    const signature = hexArg(input.signature, 'input.signature');
    const { chain } = ctx.services;
    const nonce = await chain.views.consents.nonces(terms.patient);
    const domain = consentDomain(chain.chainId, chain.deployment.contracts.ConsentManager.address);
    const digest = TypedDataEncoder.hash(domain, CONSENT_GRANT_TYPES, consentGrantMessage(terms, nonce, deadline));
    if (!(await signedByPatient(ctx, terms.patient, digest, signature))) {
      throw badInput('input.signature', `is not ${terms.patient}'s signature of these terms with nonce ${nonce} and this deadline`);
    }
    const consents = chain.relayer.contracts.consents;
    // Simulate first: a consent the contract would refuse is the caller's to fix, not a failed transaction.
    try {
      await consents.grantConsentBySig.staticCall(terms, deadline, signature);
    } catch (error) {
      const refusal = contractRefusal(consents.interface, error);
      if (refusal) throw badInput('input.terms', `ConsentManager refuses this consent: ${refusal}`);
      throw error;
    }
    const tx = await consents.grantConsentBySig(terms, deadline, signature);
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`Relayed consent transaction ${tx.hash} failed.`);
    return {
      consentId: await chain.views.consents.consentId(terms.patient, terms.grantee, terms.scope),
      transactionHash: tx.hash,
      blockNumber: receipt.blockNumber,
    };
  }
}

/** The contract's custom error in a reverted call, as `Name(arg, ...)`, or null when it is something else. */
function contractRefusal(contract: Interface, error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === 'string' && data.startsWith('0x') && data.length >= 10) {
      const parsed = contract.parseError(data);
      return parsed ? `${parsed.name}(${parsed.args.map(String).join(', ')})` : null;
    }
    current = (current as { error?: unknown; info?: { error?: unknown } }).error ?? (current as { info?: { error?: unknown } }).info?.error;
  }
  return null;
}

/** ECDSA against the patient's address, or ERC-1271 when the patient is a contract wallet. */
async function signedByPatient(ctx: Context, patient: string, digest: string, signature: string): Promise<boolean> {
  try {
    if (recoverAddress(digest, Signature.from(signature)) === patient) return true;
  } catch {
    // Not an ECDSA signature; a contract wallet may accept it.
  }
  const provider = ctx.services.chain.provider;
  if ((await provider.getCode(patient)) === '0x') return false;
  try {
    const wallet = new Contract(patient, ['function isValidSignature(bytes32,bytes) view returns (bytes4)'], provider);
    return ((await wallet.getFunction('isValidSignature').staticCall(digest, signature)) as string) === '0x1626ba7e';
  } catch {
    return false;
  }
}
