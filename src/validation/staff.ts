/** Staff email addresses: normalised (lower-case, de-duplicated, sorted) and checked one by one. */
// Deliberately plain: local@domain with a dot in the domain, no spaces; RFC 5322's corner cases are not staff emails.
const EMAIL =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const normaliseEmail = (raw: string): string => raw.trim().toLowerCase();
export const isEmail = (normalised: string): boolean => normalised.length <= 254 && EMAIL.test(normalised);

export interface StaffCheck {
  users: string[];
  invalid: { index: number; value: string }[];
  duplicates: string[];
}

export function checkStaffList(raw: readonly unknown[]): StaffCheck {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  const invalid: StaffCheck['invalid'] = [];
  raw.forEach((value, index) => {
    const email = typeof value === 'string' ? normaliseEmail(value) : '';
    if (!isEmail(email)) {
      invalid.push({ index, value: String(value) });
      return;
    }
    if (seen.has(email)) duplicates.push(email);
    seen.add(email);
  });
  return { users: [...seen].sort(), invalid, duplicates };
}
