/** Label selectors: as a query string for the API server, and matched locally against watch events. */
import type { LabelSelector } from '../api/types.js';

export function selectorToString(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of sel.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else parts.push(`!${req.key}`);
  }
  return parts.join(',');
}

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    const values = req.values ?? [];
    const ok =
      req.operator === 'In'
        ? has && values.includes(value!)
        : req.operator === 'NotIn'
          ? !has || !values.includes(value!)
          : req.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}
