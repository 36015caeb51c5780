/**
 * PostHog versions the catalog knows. PostHog published numbered releases up to 1.43.x; after that self-hosted
 * installs follow the main branch, so later catalogs are named by date (YYYY-MM) of the source snapshot.
 * A named version resolves to the newest snapshot at or before it.
 */
export interface Snapshot {
  id: string;
  /** Words for messages, e.g. "1.33.0" or "the 2026-04 catalog (spring 2026)". */
  label: string;
  kind: 'release' | 'dated';
}

export const snapshots: readonly Snapshot[] = [
  { id: '1.31.0', label: '1.31.0', kind: 'release' },
  { id: '1.32.0', label: '1.32.0', kind: 'release' },
  { id: '1.33.0', label: '1.33.0', kind: 'release' },
  { id: '1.34.0', label: '1.34.0', kind: 'release' },
  { id: '1.36.0', label: '1.36.0', kind: 'release' },
  { id: '1.37.0', label: '1.37.0', kind: 'release' },
  { id: '1.38.0', label: '1.38.0', kind: 'release' },
  { id: '2025-11', label: 'the 2025-11 catalog (late 2025)', kind: 'dated' },
  { id: '2026-04', label: 'the 2026-04 catalog (spring 2026)', kind: 'dated' },
];

export type SnapshotId = (typeof snapshots)[number]['id'];

export const LATEST = snapshots[snapshots.length - 1]!;
export const FIRST_RELEASE = '1.31.0';
/** The last numbered PostHog release line. */
export const LAST_RELEASE_LINE = '1.43';

export class VersionError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'VersionError';
  }
}

type Semver = [number, number, number];
const parseSemver = (v: string): Semver | undefined => {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
};
const cmpSemver = (a: Semver, b: Semver) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

export function snapshotIndex(id: string): number {
  const i = snapshots.findIndex((s) => s.id === id);
  if (i < 0) throw new Error(`no catalog snapshot ${id}`);
  return i;
}

/** Resolve `spec.posthogVersion` to a snapshot, or say what to write instead. */
export function resolveVersion(version: string | undefined): Snapshot {
  const v = version ?? 'latest';
  if (v === 'latest') return LATEST;
  const semver = parseSemver(v);
  if (semver) {
    if (cmpSemver(semver, parseSemver(FIRST_RELEASE)!) < 0) {
      throw new VersionError(
        `PostHog ${v} is older than the catalog, which starts at ${FIRST_RELEASE} (the first release with instance settings)`,
        `upgrade PostHog, or set posthogVersion to ${FIRST_RELEASE} or newer`,
      );
    }
    const [lastMajor, lastMinor] = LAST_RELEASE_LINE.split('.').map(Number) as [number, number];
    if (semver[0] > lastMajor || (semver[0] === lastMajor && semver[1] > lastMinor)) {
      throw new VersionError(
        `PostHog published no numbered release ${v}: numbered releases end with ${LAST_RELEASE_LINE}.x`,
        `for a newer install set posthogVersion to "latest" or a catalog date such as "${LATEST.id}"`,
      );
    }
    const releases = snapshots.filter((s) => s.kind === 'release');
    return [...releases].reverse().find((s) => cmpSemver(parseSemver(s.id)!, semver) <= 0)!;
  }
  if (/^\d{4}-\d{2}$/.test(v)) {
    const dated = snapshots.filter((s) => s.kind === 'dated');
    const match = [...dated].reverse().find((s) => s.id <= v);
    if (!match) {
      throw new VersionError(
        `no dated catalog at or before ${v}; dated catalogs start at ${dated[0]!.id}`,
        `for an older install name its release, e.g. posthogVersion: "1.43.0"`,
      );
    }
    return match;
  }
  throw new VersionError(
    `"${v}" is not a PostHog version`,
    `write a release such as "1.43.0", a catalog date such as "${LATEST.id}", or "latest"`,
  );
}
