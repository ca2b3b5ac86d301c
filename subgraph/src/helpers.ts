import { Address, BigInt, Bytes, ethereum } from '@graphprotocol/graph-ts';
import { Account, ActivityEvent } from '../generated/schema';

/** The contracts' "never expires" (type(uint64).max). */
export const NO_EXPIRY = BigInt.fromString('18446744073709551615');

export const MEMBER_KIND_NONE = 'NONE';
export const MEMBER_STATUS_NONE = 'NONE';

/** Directory kinds by their Solidity enum value. */
export function memberKindName(value: i32): string {
  if (value == 1) return 'PROVIDER';
  if (value == 2) return 'RESEARCHER';
  return MEMBER_KIND_NONE;
}

/** Id of an event-log entity: transaction hash followed by log index. */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/** Id of an entity keyed by two addresses. */
export function pairId(first: Address, second: Address): Bytes {
  return first.concat(second);
}

/** Text of an ASCII code left-aligned in fixed bytes (bytes32, bytes16), without the zero padding. */
export function asciiCode(value: Bytes): string {
  let text = '';
  for (let i = 0; i < value.length; i++) {
    const byte = value[i];
    if (byte == 0) break;
    text += String.fromCharCode(byte);
  }
  return text;
}

export function getOrCreateAccount(address: Address): Account {
  let account = Account.load(address);
  if (account == null) {
    account = new Account(address);
    account.memberKind = MEMBER_KIND_NONE;
    account.memberStatus = MEMBER_STATUS_NONE;
    account.recordCount = 0;
    account.openConsentCount = 0;
    account.save();
  }
  return account;
}

/**
 * Writes one data point of the activity timeseries (graph-node sets its id and timestamp and rolls it
 * up into the hourly and daily aggregations). A missing category or purpose is written as empty text.
 */
export function countActivity(metric: string, category: string | null, purpose: string | null): void {
  const point = new ActivityEvent(0);
  point.metric = metric;
  point.category = category !== null ? category : '';
  point.purpose = purpose !== null ? purpose : '';
  point.save();
}
