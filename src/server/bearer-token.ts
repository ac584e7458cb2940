/**
 * Optional bearer-token check for the preview endpoint, which sits beside
 * /mutate on the same port. Compared in constant time: hashing both sides
 * first gives equal lengths, so neither the token nor its length leaks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A checker for `Authorization` header values against `token`. */
export function bearerTokenChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
  };
}
