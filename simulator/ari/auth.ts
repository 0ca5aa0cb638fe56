/**
 * ARI authentication as res_ari does it: HTTP Basic when an Authorization header is present
 * (and then only that is checked), otherwise `?api_key=user:password`. Pure.
 */
import { timingSafeEqual } from 'node:crypto';

export interface AriCredentials {
  username: string;
  password: string;
}

/** Asterisk's realm unless ari.conf sets auth_realm. */
export const AUTH_REALM = 'Asterisk REST Interface';

export function isAuthorized(
  credentials: AriCredentials,
  authorization: string | undefined,
  apiKey: string | null | undefined,
): boolean {
  if (authorization !== undefined) {
    const basic = parseBasic(authorization);
    return basic !== undefined && matches(credentials, basic.username, basic.password);
  }
  if (apiKey === null || apiKey === undefined) return false;
  const colon = apiKey.indexOf(':');
  if (colon < 0) return false;
  return matches(credentials, apiKey.slice(0, colon), apiKey.slice(colon + 1));
}

function parseBasic(header: string): { username: string; password: string } | undefined {
  const m = /^\s*Basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function matches(credentials: AriCredentials, username: string, password: string): boolean {
  // Both comparisons always run, so timing does not reveal which part was wrong.
  const userOk = constantTimeEqual(username, credentials.username);
  const passOk = constantTimeEqual(password, credentials.password);
  return userOk && passOk;
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(bb, bb);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
