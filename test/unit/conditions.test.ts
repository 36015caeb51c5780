/** kstatus conditions (src/controller/conditions.ts): transition times, polarity, and the comparison before writes. */
import { expect } from 'chai';
import type { Condition } from '../../src/api/types.js';
import { jsonEqual, mergeConditions, summaryConditions } from '../../src/controller/conditions.js';

const T0 = '2026-01-01T00:00:00Z';
const NOW = new Date('2026-02-03T04:05:06.789Z');
const NOW_STRING = '2026-02-03T04:05:06Z';

const byType = (conditions: { type: string }[]) => Object.fromEntries(conditions.map((c) => [c.type, c]));

describe('mergeConditions', () => {
  const previous: Condition[] = [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Projected',
      message: 'old',
      lastTransitionTime: T0,
      observedGeneration: 1,
    },
    { type: 'Stalled', status: 'False', reason: 'Progressing', message: '', lastTransitionTime: T0 },
  ];

  it('keeps lastTransitionTime when the status is unchanged, even if reason and message change', () => {
    const [ready] = mergeConditions(
      previous,
      [{ type: 'Ready', status: 'True', reason: 'Other', message: 'new' }],
      2,
      NOW,
    );
    expect(ready).to.deep.equal({
      type: 'Ready',
      status: 'True',
      reason: 'Other',
      message: 'new',
      observedGeneration: 2,
      lastTransitionTime: T0,
    });
  });

  it('moves lastTransitionTime to now (whole seconds) when the status changes', () => {
    const [ready, stalled] = mergeConditions(
      previous,
      [
        { type: 'Ready', status: 'False', reason: 'Invalid', message: 'bad' },
        { type: 'Stalled', status: 'True', reason: 'Invalid', message: 'bad' },
      ],
      3,
      NOW,
    );
    expect(ready!.lastTransitionTime).to.equal(NOW_STRING);
    expect(stalled!.lastTransitionTime).to.equal(NOW_STRING);
  });

  it('stamps a condition seen for the first time with now, and with no previous conditions at all', () => {
    const desired = [{ type: 'Reconciling', status: 'False' as const, reason: 'Idle', message: '' }];
    expect(mergeConditions(previous, desired, 1, NOW)[0]!.lastTransitionTime).to.equal(NOW_STRING);
    expect(mergeConditions(undefined, desired, 1, NOW)[0]!.lastTransitionTime).to.equal(NOW_STRING);
  });

  it('matches previous conditions by type, not by position', () => {
    const [stalled, ready] = mergeConditions(
      previous,
      [
        { type: 'Stalled', status: 'False', reason: 'Progressing', message: '' },
        { type: 'Ready', status: 'False', reason: 'Invalid', message: '' },
      ],
      1,
      NOW,
    );
    expect(stalled!.lastTransitionTime).to.equal(T0);
    expect(ready!.lastTransitionTime).to.equal(NOW_STRING);
  });

  it('sets observedGeneration on every condition and returns only the desired ones', () => {
    const merged = mergeConditions(
      previous,
      [{ type: 'Ready', status: 'True', reason: 'Projected', message: '' }],
      7,
      NOW,
    );
    expect(merged).to.have.length(1);
    expect(merged.map((c) => c.observedGeneration)).to.deep.equal([7]);
  });
});

describe('summaryConditions', () => {
  it('ready: Ready True, Reconciling False, Stalled False', () => {
    const c = byType(summaryConditions({ ready: true, stalled: false, reason: 'Projected', message: 'ok' }));
    expect(c.Ready).to.deep.equal({ type: 'Ready', status: 'True', reason: 'Projected', message: 'ok' });
    expect(c.Reconciling).to.include({ status: 'False', reason: 'Idle', message: '' });
    expect(c.Stalled).to.include({ status: 'False', message: '' });
  });

  it('stalled: Ready False, Stalled True with the reason, Reconciling False', () => {
    const c = byType(summaryConditions({ ready: false, stalled: true, reason: 'Invalid', message: 'fix it' }));
    expect(c.Ready).to.include({ status: 'False', reason: 'Invalid', message: 'fix it' });
    expect(c.Stalled).to.include({ status: 'True', reason: 'Invalid', message: 'fix it' });
    expect(c.Reconciling).to.include({ status: 'False', message: '' });
  });

  it('in progress: Ready False, Reconciling True with the reason, Stalled False', () => {
    const c = byType(summaryConditions({ ready: false, stalled: false, reason: 'RolloutPending', message: 'wait' }));
    expect(c.Ready).to.include({ status: 'False', reason: 'RolloutPending' });
    expect(c.Reconciling).to.include({ status: 'True', reason: 'RolloutPending', message: 'wait' });
    expect(c.Stalled).to.include({ status: 'False', message: '' });
  });

  it('gives exactly Ready, Reconciling and Stalled', () => {
    const types = summaryConditions({ ready: true, stalled: false, reason: 'r', message: 'm' }).map((c) => c.type);
    expect(types).to.deep.equal(['Ready', 'Reconciling', 'Stalled']);
  });
});

describe('jsonEqual', () => {
  it('ignores the order of object keys, at any depth', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).to.equal(true);
  });

  it('ignores keys whose value is undefined', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).to.equal(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).to.equal(true);
  });

  it('tells apart different values, missing keys and null', () => {
    expect(jsonEqual({ a: 1 }, { a: 2 })).to.equal(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).to.equal(false);
    expect(jsonEqual({ a: 1 }, { b: 1 })).to.equal(false);
    expect(jsonEqual({ a: null }, { a: undefined })).to.equal(false);
    expect(jsonEqual({ a: null }, {})).to.equal(false);
    expect(jsonEqual(null, {})).to.equal(false);
    expect(jsonEqual('1', 1)).to.equal(false);
  });

  it('compares arrays in order and tells them apart from objects', () => {
    expect(jsonEqual([1, 2], [1, 2])).to.equal(true);
    expect(jsonEqual([1, 2], [2, 1])).to.equal(false);
    expect(jsonEqual([1, 2], [1, 2, 3])).to.equal(false);
    expect(jsonEqual([1], { 0: 1 })).to.equal(false);
    expect(jsonEqual({ 0: 1 }, [1])).to.equal(false);
  });
});
