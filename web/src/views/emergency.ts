import { type Child, formatTime } from '../widgets/dom';
import { reasonLabel } from '../lib/codes';

/** An emergency (break-glass) access as both sides' views list it. */
export interface EmergencyAccessRow {
  reason: string;
  openedAt: unknown;
  expiresAt: unknown;
  closedAt?: unknown;
}

/** Still open: not closed and not past its expiry. */
export function isOpen(access: EmergencyAccessRow, now = Date.now()): boolean {
  return !access.closedAt && new Date(access.expiresAt as string).getTime() > now;
}

/** The columns both views show: who, why, since when, until when (closing time or expiry); then the view's action. */
export function emergencyCells(who: string, access: EmergencyAccessRow, action: Child): Child[] {
  return [who, reasonLabel(access.reason), formatTime(access.openedAt as string), formatTime((access.closedAt ?? access.expiresAt) as string), action];
}
