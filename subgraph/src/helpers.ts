import { Address, BigInt, Bytes, ethereum } from '@graphprotocol/graph-ts';
import { Account, DailyActivity } from '../generated/schema';

export const SECONDS_PER_DAY = 86400;
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

/** Adds one to the day's counter of `metric` for a category and purpose (either may be null). */
export function countActivity(event: ethereum.Event, metric: string, category: string | null, purpose: string | null): void {
  const day = event.block.timestamp.toI32() / SECONDS_PER_DAY;
  let id = day.toString() + '-' + metric + '-';
  if (category !== null) id += category;
  id += '-';
  if (purpose !== null) id += purpose;
  let activity = DailyActivity.load(id);
  if (activity == null) {
    activity = new DailyActivity(id);
    activity.day = day;
    activity.dayStart = BigInt.fromI32(day * SECONDS_PER_DAY);
    activity.metric = metric;
    activity.category = category;
    activity.purpose = purpose;
    activity.count = 0;
  }
  activity.count = activity.count + 1;
  activity.save();
}
