/** The one error boundary with the API server: status codes from client-node's two error shapes. */
import { ApiException } from '@kubernetes/client-node';

export function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err && typeof err === 'object') {
    const e = err as { statusCode?: unknown; code?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;
export const isGone = (err: unknown): boolean => statusCode(err) === 410;

/** A short, secret-free description of an API error for logs and status (never the request body). */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    let msg = '';
    if (typeof body === 'string') {
      try {
        msg = (JSON.parse(body) as { message?: string }).message ?? '';
      } catch {
        msg = '';
      }
    } else if (body && typeof body === 'object') msg = (body as { message?: string }).message ?? '';
    return `API error ${err.code}${msg ? `: ${msg}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}
