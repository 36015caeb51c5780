/** Label selectors (src/kube/selector.ts): the API server query string, and local matching of watch events. */
import { expect } from 'chai';
import type { LabelSelector } from '../../src/api/types.js';
import { selectorMatches, selectorToString } from '../../src/kube/selector.js';

describe('selectorToString', () => {
  it('writes matchLabels as key=value pairs', () => {
    expect(selectorToString({ matchLabels: { app: 'posthog', 'app.kubernetes.io/part-of': 'posthog' } })).to.equal(
      'app=posthog,app.kubernetes.io/part-of=posthog',
    );
  });

  it('writes In and NotIn with their values in parentheses', () => {
    expect(
      selectorToString({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'worker'] }] }),
    ).to.equal('tier in (web,worker)');
    expect(selectorToString({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['batch'] }] })).to.equal(
      'tier notin (batch)',
    );
  });

  it('writes Exists as the bare key and DoesNotExist as !key', () => {
    expect(selectorToString({ matchExpressions: [{ key: 'canary', operator: 'Exists' }] })).to.equal('canary');
    expect(selectorToString({ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] })).to.equal('!canary');
  });

  it('joins matchLabels and every expression with commas', () => {
    const sel: LabelSelector = {
      matchLabels: { app: 'posthog' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'worker'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'managed', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    expect(selectorToString(sel)).to.equal('app=posthog,tier in (web,worker),env notin (dev),managed,!legacy');
  });

  it('is empty for an empty selector', () => {
    expect(selectorToString({})).to.equal('');
  });
});

describe('selectorMatches', () => {
  const expr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values?: string[]): LabelSelector => ({
    matchExpressions: [{ key: 'tier', operator, ...(values && { values }) }],
  });

  it('matchLabels: every pair must be present with the same value', () => {
    const sel = { matchLabels: { app: 'posthog', tier: 'web' } };
    expect(selectorMatches(sel, { app: 'posthog', tier: 'web', extra: 'x' })).to.equal(true);
    expect(selectorMatches(sel, { app: 'posthog', tier: 'worker' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'posthog' }), 'a missing label').to.equal(false);
    expect(selectorMatches(sel), 'no labels at all').to.equal(false);
  });

  it('In: the label is present with one of the values', () => {
    const sel = expr('In', ['web', 'worker']);
    expect(selectorMatches(sel, { tier: 'web' })).to.equal(true);
    expect(selectorMatches(sel, { tier: 'worker' })).to.equal(true);
    expect(selectorMatches(sel, { tier: 'batch' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'posthog' }), 'a missing label').to.equal(false);
  });

  it('NotIn: the label is absent, or present with none of the values', () => {
    const sel = expr('NotIn', ['batch']);
    expect(selectorMatches(sel, { tier: 'web' })).to.equal(true);
    expect(selectorMatches(sel, { tier: 'batch' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'posthog' }), 'a missing label').to.equal(true);
  });

  it('Exists: the label is present, whatever its value (even empty)', () => {
    const sel = expr('Exists');
    expect(selectorMatches(sel, { tier: 'anything' })).to.equal(true);
    expect(selectorMatches(sel, { tier: '' })).to.equal(true);
    expect(selectorMatches(sel, { app: 'posthog' }), 'a missing label').to.equal(false);
  });

  it('DoesNotExist: the label is absent', () => {
    const sel = expr('DoesNotExist');
    expect(selectorMatches(sel, { app: 'posthog' })).to.equal(true);
    expect(selectorMatches(sel, {})).to.equal(true);
    expect(selectorMatches(sel, { tier: '' })).to.equal(false);
    expect(selectorMatches(sel, { tier: 'web' })).to.equal(false);
  });

  it('does not take inherited properties for labels', () => {
    const sel: LabelSelector = { matchExpressions: [{ key: 'constructor', operator: 'DoesNotExist' }] };
    expect(selectorMatches(sel, {})).to.equal(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, { app: 'posthog' }),
    ).to.equal(false);
  });

  it('requires matchLabels and all expressions together', () => {
    const sel: LabelSelector = {
      matchLabels: { app: 'posthog' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    expect(selectorMatches(sel, { app: 'posthog', tier: 'web' })).to.equal(true);
    expect(selectorMatches(sel, { app: 'other', tier: 'web' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'posthog', tier: 'worker' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'posthog', tier: 'web', legacy: 'true' })).to.equal(false);
  });

  it('matches everything with an empty selector', () => {
    expect(selectorMatches({}, { app: 'x' })).to.equal(true);
    expect(selectorMatches({})).to.equal(true);
  });
});
