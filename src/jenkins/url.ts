/**
 * URL building as python-jenkins 0.4 does it: `quote()` for names in paths (keeps `/`),
 * `urlencode()` (`quote_plus`) for query strings, and folder paths for job names.
 */

const UNRESERVED = /[A-Za-z0-9_.~-]/;

/** Python's `urllib.parse.quote(s, safe)`: percent-encodes UTF-8 bytes except unreserved and `safe`. */
export function pyQuote(s: string, safe = '/'): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED.test(ch) || safe.includes(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8'))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Python's `urllib.parse.urlencode(pairs)`: `quote_plus` on keys and values, in order. */
export function pyUrlencode(pairs: ReadonlyArray<readonly [string, string]>): string {
  const plus = (s: string): string => pyQuote(s, ' ').replaceAll(' ', '+');
  return pairs.map(([k, v]) => `${plus(k)}=${plus(v)}`).join('&');
}

/** `job/<a>/job/<b>/` for a job name `a/b` (folders), each part quoted. */
export function jobPath(name: string): string {
  return name
    .split('/')
    .map((part) => `job/${pyQuote(part)}/`)
    .join('');
}

/** The base URL with exactly one trailing slash, so relative paths join below it. */
export function normaliseBaseUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
