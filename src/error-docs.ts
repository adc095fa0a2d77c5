/** Renders `docs/errors.md` from {@link ERROR_CODES}; see `scripts/gen-errors-doc.ts`. */
import { ERROR_CODES } from './error-codes.js';
import type { ErrorCodeInfo } from './error-codes.js';

/** The whole text of docs/errors.md. */
export function renderErrorsDoc(): string {
  const byArea = new Map<string, [string, ErrorCodeInfo][]>();
  for (const [code, info] of Object.entries<ErrorCodeInfo>(ERROR_CODES)) {
    const list = byArea.get(info.area) ?? [];
    list.push([code, info]);
    byArea.set(info.area, list);
  }
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/error-codes.ts by `npm run docs:errors`; do not edit by hand. -->',
    '',
    'Every error nodepool raises on purpose is a `NodepoolError` with a stable `code`: logs',
    '(`err.code`) and scripts may key on it, while the message is for people and may change.',
    'A command that stops on an error exits with the status listed here (1 for anything else).',
    'Codes are grouped by the area of `src/` that raises them.',
    '',
  ];
  for (const [area, codes] of byArea) {
    lines.push(`## ${area}`, '', '| Code | Exit | Meaning |', '|---|---|---|');
    for (const [code, info] of codes) {
      lines.push(`| \`${code}\` | ${info.exit} | ${info.meaning.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
