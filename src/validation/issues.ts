/** A problem found in a resource: where (a field path), what, and how to fix it, in one message. */
export type PathSegment = string | number;

export interface Issue {
  severity: 'error' | 'warning';
  path: PathSegment[];
  message: string;
}

const SIMPLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `spec.settings.EMAIL_PORT`, `spec.staffUsers[2]`, `metadata.labels["app.kubernetes.io/name"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (SIMPLE.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export const formatIssue = (i: Issue): string => `${formatPath(i.path)}: ${i.message}`;

export class IssueList {
  readonly items: Issue[] = [];
  error(path: PathSegment[], message: string): void {
    this.items.push({ severity: 'error', path, message });
  }
  warn(path: PathSegment[], message: string): void {
    this.items.push({ severity: 'warning', path, message });
  }
}
