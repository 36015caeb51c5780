/** Typed setting values: accept what users (and Helm's --set) write, normalise it, or say why not. */
import type { SettingValue } from '../api/types.js';
import type { SettingDef } from '../catalog/index.js';

export type Checked = { ok: true; value: SettingValue } | { ok: false; message: string };

const TEAM_IDS = /^\s*\d+\s*(,\s*\d+\s*)*$/;
const show = (v: unknown) => JSON.stringify(v);

function checkInt(def: SettingDef, raw: unknown): Checked {
  // Types are as strict as the CRD schema, so offline validation refuses what `kubectl apply` refuses.
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    const hint = typeof raw === 'string' && /^\d+$/.test(raw) ? 'remove the quotes' : 'write a whole number';
    return {
      ok: false,
      message: `${show(raw)} is not an integer; ${hint}, e.g. ${def.key}: ${String(def.default ?? 1)}`,
    };
  }
  const n = raw;
  if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
    return { ok: false, message: `${n} is out of range; ${def.key} takes ${def.min ?? '…'} to ${def.max ?? '…'}` };
  }
  return { ok: true, value: n };
}

function checkBool(def: SettingDef, raw: unknown): Checked {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const hint = typeof raw === 'string' && /^(true|false)$/i.test(raw) ? ' without quotes' : '';
  return { ok: false, message: `${show(raw)} is not a boolean; write ${def.key}: true or ${def.key}: false${hint}` };
}

function checkStr(def: SettingDef, raw: unknown): Checked {
  if (typeof raw !== 'string') {
    return { ok: false, message: `${show(raw)} is not a string; quote it: ${def.key}: "${String(raw)}"` };
  }
  if (def.allowed && !def.allowed.includes(raw)) {
    return { ok: false, message: `${show(raw)} is not allowed; ${def.key} is one of ${def.allowed.join(', ')}` };
  }
  if (def.format === 'team-ids' && raw.trim() !== '' && !TEAM_IDS.test(raw)) {
    return {
      ok: false,
      message: `${show(raw)} is not a list of team ids; write numbers separated by commas, e.g. "1,2,42"`,
    };
  }
  return { ok: true, value: raw };
}

function checkIntList(def: SettingDef, raw: unknown): Checked {
  const bad = {
    ok: false,
    message: `${show(raw)} is not a list of team ids; write a list such as ${def.key}: [1, 2, 42]`,
  } as const;
  if (!Array.isArray(raw)) return bad;
  const out: number[] = [];
  for (const [i, n] of (raw as unknown[]).entries()) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      return { ok: false, message: `item ${i} (${show(n)}) is not a team id (a whole number ≥ 0)` };
    }
    out.push(n);
  }
  return { ok: true, value: out };
}

export function checkSettingValue(def: SettingDef, raw: unknown): Checked {
  if (raw === null || raw === undefined)
    return { ok: false, message: `has no value; give ${def.key} a value or remove it` };
  switch (def.type) {
    case 'int':
      return checkInt(def, raw);
    case 'bool':
      return checkBool(def, raw);
    case 'str':
      return checkStr(def, raw);
    case 'list[int]':
      return checkIntList(def, raw);
  }
}

/** How PostHog reads the value from its environment: true/false, digits, text, comma lists. */
export function toEnvString(value: SettingValue): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

// PostHog's str_to_bool: these read as true, anything else as false; we accept only the unambiguous spellings.
const TRUE_WORDS = ['y', 'yes', 't', 'true', 'on', '1'];
const FALSE_WORDS = ['n', 'no', 'f', 'false', 'off', '0', ''];

export function checkEnvValue(type: string, name: string, value: string): string | undefined {
  switch (type) {
    case 'bool':
      return TRUE_WORDS.includes(value.toLowerCase()) || FALSE_WORDS.includes(value.toLowerCase())
        ? undefined
        : `${show(value)} is not a boolean (PostHog would read it as false); write "true" or "false"`;
    case 'int':
      return /^\d+$/.test(value)
        ? undefined
        : `${show(value)} is not a whole number; write digits, e.g. ${name}: "5432"`;
    case 'url':
      try {
        const u = new URL(value);
        return u.protocol ? undefined : 'is not a URL';
      } catch {
        return `${show(value)} is not a URL; write it with its scheme, e.g. "https://posthog.example.com"`;
      }
    default:
      return undefined;
  }
}
