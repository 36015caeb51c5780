/** Lookups over the settings catalog: which keys a PostHog version offers, and what a name means. */
import { envOnlyDefs, type EnvVarDef } from './env-only.js';
import { settingDefs, type SettingDef } from './settings.js';
import { resolveVersion, snapshotIndex, snapshots, type Snapshot } from './versions.js';

export { envOnlyDefs, settingDefs, snapshots, resolveVersion };
export type { EnvVarDef, SettingDef, Snapshot };
export { VersionError, LATEST } from './versions.js';

const settingsByKey = new Map(settingDefs.map((d) => [d.key, d]));
const envByName = new Map(envOnlyDefs.map((d) => [d.name, d]));
/** Env variable name → the instance setting whose default it feeds. */
const settingByEnvVar = new Map(settingDefs.map((d) => [d.envVar ?? d.key, d]));

export type Availability =
  | { state: 'available' }
  | { state: 'unverified' }
  | { state: 'notYet'; added: Snapshot }
  | { state: 'removed'; removed: Snapshot };

export function availability(def: SettingDef, snapshot: Snapshot): Availability {
  const at = snapshotIndex(snapshot.id);
  if (def.removed && at >= snapshotIndex(def.removed))
    return { state: 'removed', removed: snapshots[snapshotIndex(def.removed)]! };
  if (at >= snapshotIndex(def.added)) return { state: 'available' };
  if (def.unverifiedFrom && at >= snapshotIndex(def.unverifiedFrom)) return { state: 'unverified' };
  return { state: 'notYet', added: snapshots[snapshotIndex(def.added)]! };
}

export const findSetting = (key: string): SettingDef | undefined => settingsByKey.get(key);
export const findEnvVar = (name: string): EnvVarDef | undefined => envByName.get(name);
export const settingFedByEnvVar = (name: string): SettingDef | undefined => settingByEnvVar.get(name);

/** The settings a snapshot offers, in catalog order. */
export function settingsIn(snapshot: Snapshot): SettingDef[] {
  return settingDefs.filter((d) => availability(d, snapshot).state === 'available');
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions (EMAIL_HOTS → EMAIL_HOST is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Closest known names to a misspelt one (at most `limit`, within a distance that scales with length). */
export function suggest(name: string, candidates: Iterable<string>, limit = 2): string[] {
  const upper = name.toUpperCase();
  const maxDistance = Math.max(1, Math.min(3, Math.floor(name.length / 4)));
  return [...candidates]
    .map((c) => ({ c, dist: c === upper ? 0 : editDistance(upper, c) }))
    .filter((x) => x.dist <= maxDistance)
    .sort((x, y) => x.dist - y.dist || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((x) => x.c);
}

export const allSettingKeys = (): string[] => settingDefs.map((d) => d.key);
export const allEnvNames = (): string[] => envOnlyDefs.map((d) => d.name);
