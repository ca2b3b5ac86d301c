import { MemberSuspended, MemberVerified } from '../generated/ProviderDirectory/ProviderDirectory';
import { MemberChange } from '../generated/schema';
import { asciiCode, eventId, getOrCreateAccount, memberKindName } from './helpers';

export function handleMemberVerified(event: MemberVerified): void {
  const account = getOrCreateAccount(event.params.account);
  account.memberKind = memberKindName(event.params.kind);
  account.memberStatus = 'VERIFIED';
  account.credentialHash = event.params.credentialHash;
  account.memberUpdatedAt = event.block.timestamp;
  account.save();
  getOrCreateAccount(event.params.registrar);

  const change = new MemberChange(eventId(event));
  change.account = account.id;
  change.kind = account.memberKind;
  change.status = 'VERIFIED';
  change.credentialHash = event.params.credentialHash;
  change.registrar = event.params.registrar;
  change.blockNumber = event.block.number;
  change.timestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.save();
}

export function handleMemberSuspended(event: MemberSuspended): void {
  const account = getOrCreateAccount(event.params.account);
  account.memberStatus = 'SUSPENDED';
  account.memberUpdatedAt = event.block.timestamp;
  account.save();
  getOrCreateAccount(event.params.registrar);

  const change = new MemberChange(eventId(event));
  change.account = account.id;
  change.kind = memberKindName(event.params.kind);
  change.status = 'SUSPENDED';
  change.reasonCode = asciiCode(event.params.reasonCode);
  change.registrar = event.params.registrar;
  change.blockNumber = event.block.number;
  change.timestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  change.save();
}
