import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LIVE_EVENT_KINDS, LIVE_SUBJECTS, type LiveEventKind, type LiveSubject } from '../../live/live-event';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };

export const AccountEventKind = enumOf(LIVE_EVENT_KINDS);
registerEnumType(AccountEventKind, { name: 'AccountEventKind', description: 'What happened: a record anchored, amended or erased; a consent granted, renewed, revoked or expired; a guardian appointed or removed; a treatment proposed, approved or rejected; an emergency access opened or closed; an amendment request filed, accepted (the record was amended) or declined.' });

export const AccountEventSubject = enumOf(LIVE_SUBJECTS);
registerEnumType(AccountEventSubject, { name: 'AccountEventSubject', description: 'Which object an event is about (what to refetch).' });

@ObjectType({
  description:
    'One change the index made visible at one block that concerns the signed-in account (as patient, guardian of the patient, other party or actor) and that the same permission rule as the queries lets it see. A query pinned to `block` (or any later one) shows the change.',
})
export class AccountEvent {
  @Field(() => AccountEventKind)
  kind!: LiveEventKind;

  @Field(() => AccountEventSubject)
  subject!: LiveSubject;

  @Field(() => ID, { description: 'The id of the record, consent, guardian link, treatment, emergency access or amendment request to refetch.' })
  subjectId!: string;

  @Field(() => Int, { description: 'The block at which the index made the change visible. Resume a subscription from it (`fromBlock`) to miss nothing and repeat nothing.' })
  block!: number;

  @Field(() => String, { nullable: true, description: 'The transaction, where the index names it (not for erasures, treatments and expiries); for an amendment request, the one that filed or answered it.' })
  transactionHash!: string | null;

  @Field(() => String, { description: 'The patient whose data or decision it is.' })
  patient!: string;

  @Field(() => String, { nullable: true, description: "The other party: grantee, guardian, provider, record author, or an answered amendment request's requester." })
  counterparty!: string | null;

  @Field(() => String, { nullable: true, description: 'Who acted, where the index names it (e.g. a guardian granting for the patient, whoever closed an emergency access, filed an amendment request or answered it).' })
  actor!: string | null;

  @Field(() => String, { nullable: true, description: "The category of the record (or of the amendment request's record) or the consent's scope." })
  category!: string | null;

  @Field(() => String, { nullable: true, description: "The consent's purpose of use, or the emergency access's reason code." })
  purpose!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the consent, guardianship or emergency access ends, where it has an end.' })
  expiresAt!: Date | null;
}

@ObjectType({ description: 'A transaction whose block the index has reached: queries now show its effect.' })
export class IndexedTransaction {
  @Field(() => String)
  transactionHash!: string;

  @Field(() => Int, { description: 'The block it was mined in, which the index has reached.' })
  block!: number;
}
