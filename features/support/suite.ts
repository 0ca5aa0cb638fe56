/** The target chosen for this run, set up once before the first scenario (hooks.ts). */
import type { Target } from './targets/target.js';

let target: Target | undefined;

export function setCurrentTarget(t: Target | undefined): void {
  target = t;
}

export function currentTarget(): Target {
  if (!target) throw new Error('the e2e target is not set up (BeforeAll did not run)');
  return target;
}
