/** Pure staff-record decisions: what the InstanceStaff should hold, and why a change is refused. */
import type { InstanceStaff, StaffHistoryEntry } from '../api/types.js';

export const MAX_HISTORY = 100;

export type StaffDecision =
  | { action: 'none' }
  | { action: 'refuse'; reason: 'InvalidStaffList' | 'WouldRemoveLastStaff'; message: string }
  | { action: 'record'; users: string[]; added: string[]; removed: string[] };

/**
 * @param desired normalised users from the spec (undefined: the field is absent)
 * @param staffErrors validation messages about spec.staffUsers
 * @param current the InstanceStaff as it is now
 */
export function decideStaff(
  desired: string[] | undefined,
  staffErrors: string[],
  current: InstanceStaff | undefined,
): StaffDecision {
  const previous = current?.spec.users ?? [];
  if (staffErrors.length > 0) {
    return {
      action: 'refuse',
      reason: 'InvalidStaffList',
      message: `spec.staffUsers refused, the previous record is kept: ${staffErrors.join('; ')}`,
    };
  }
  if (desired === undefined) {
    if (previous.length === 0) return { action: 'none' };
    return {
      action: 'refuse',
      reason: 'WouldRemoveLastStaff',
      message: `spec.staffUsers was removed, which would drop the last staff user; the previous record of ${previous.length} is kept. List the staff users again, or delete the InstanceStaff ${current?.metadata.name ?? ''} to stop managing staff`,
    };
  }
  const added = desired.filter((u) => !previous.includes(u));
  const removed = previous.filter((u) => !desired.includes(u));
  return { action: 'record', users: desired, added, removed };
}

export function appendHistory(
  history: readonly StaffHistoryEntry[] | undefined,
  added: string[],
  removed: string[],
  now: Date,
): StaffHistoryEntry[] {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const entries: StaffHistoryEntry[] = [
    ...added.map((email) => ({ time, action: 'Added' as const, email })),
    ...removed.map((email) => ({ time, action: 'Removed' as const, email })),
  ];
  return [...(history ?? []), ...entries].slice(-MAX_HISTORY);
}
