import { describe, expect, it } from 'vitest';
import { isAuthorized } from './auth.js';

const creds = { username: 'asterisk', password: 's3cret:with:colons' };
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('isAuthorized', () => {
  it('accepts matching Basic credentials, passwords containing colons included', () => {
    expect(isAuthorized(creds, basic('asterisk', 's3cret:with:colons'), null)).toBe(true);
    expect(isAuthorized(creds, `basic   ${Buffer.from('asterisk:s3cret:with:colons').toString('base64')}`, null)).toBe(true);
  });

  it('rejects wrong users, wrong passwords and malformed headers', () => {
    expect(isAuthorized(creds, basic('other', 's3cret:with:colons'), null)).toBe(false);
    expect(isAuthorized(creds, basic('asterisk', 'nope'), null)).toBe(false);
    expect(isAuthorized(creds, 'Bearer abc', null)).toBe(false);
    expect(isAuthorized(creds, `Basic ${Buffer.from('nocolon').toString('base64')}`, null)).toBe(false);
  });

  it('accepts api_key=user:password when there is no Authorization header', () => {
    expect(isAuthorized(creds, undefined, 'asterisk:s3cret:with:colons')).toBe(true);
    expect(isAuthorized(creds, undefined, 'asterisk:wrong')).toBe(false);
    expect(isAuthorized(creds, undefined, 'asterisk')).toBe(false);
    expect(isAuthorized(creds, undefined, null)).toBe(false);
  });

  it('checks only the Authorization header when one is present, as res_ari does', () => {
    expect(isAuthorized(creds, basic('asterisk', 'bad'), 'asterisk:s3cret:with:colons')).toBe(false);
  });
});
