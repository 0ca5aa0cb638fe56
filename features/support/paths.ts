/** Where things are: the repository and the report folders. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPORTS_DIR = join(REPO_ROOT, 'reports');
/** One folder per scenario: reports/calls/<scenario>/<callId>.{json,svg,heard.wav,said.wav}, engine.log */
export const CALL_REPORTS_DIR = join(REPORTS_DIR, 'calls');

/** A scenario name as a folder name. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'scenario'
  );
}
