/** kstatus-compatible conditions, built in memory and compared before any write. */
import type { Condition } from '../api/types.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** Merge desired conditions into the previous ones: lastTransitionTime moves only when status changes. */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  desired: ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  return desired.map((d) => {
    const prev = previous?.find((c) => c.type === d.type);
    const changed = !prev || prev.status !== d.status;
    return {
      ...d,
      observedGeneration: generation,
      lastTransitionTime: changed ? now.toISOString().replace(/\.\d{3}Z$/, 'Z') : prev.lastTransitionTime,
    };
  });
}

/** Ready / Reconciling / Stalled for one outcome (abnormal-true polarity for Reconciling and Stalled). */
export function summaryConditions(outcome: {
  ready: boolean;
  stalled: boolean;
  reason: string;
  message: string;
}): ConditionInput[] {
  return [
    { type: 'Ready', status: outcome.ready ? 'True' : 'False', reason: outcome.reason, message: outcome.message },
    {
      type: 'Reconciling',
      status: !outcome.ready && !outcome.stalled ? 'True' : 'False',
      reason: !outcome.ready && !outcome.stalled ? outcome.reason : 'Idle',
      message: !outcome.ready && !outcome.stalled ? outcome.message : '',
    },
    {
      type: 'Stalled',
      status: outcome.stalled ? 'True' : 'False',
      reason: outcome.stalled ? outcome.reason : 'Progressing',
      message: outcome.stalled ? outcome.message : '',
    },
  ];
}

/** Deep equality of plain JSON values, independent of key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
