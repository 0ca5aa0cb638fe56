/**
 * A check of a whole dialplan before any call runs it, so that a dialplan the simulator cannot
 * run fails at start-up with `file:line` rather than in the middle of a call: applications the
 * executor does not provide, functions nobody provides, Goto/GotoIf labels that do not exist.
 * Only what is visible without running is checked (targets built from variables are skipped).
 */
import type { Dialplan, DialplanStep } from './dialplan.js';
import { DialplanError } from './error.js';
import { parseGotoTarget, resolveGoto, splitGotoIf } from './goto.js';
import { BUILTIN_FUNCTIONS, functionsUsed } from './substitute.js';

export interface ValidateOptions {
  /** Application names the executor runs (compared case-insensitively, as Asterisk does). */
  apps: Iterable<string>;
  /** Functions provided through SubstituteContext.readFunction, beyond the built-ins. */
  functions?: Iterable<string>;
}

export function validateDialplan(dialplan: Dialplan, options: ValidateOptions): DialplanError[] {
  const apps = new Set([...options.apps].map((a) => a.toLowerCase()));
  const functions = new Set([...BUILTIN_FUNCTIONS, ...(options.functions ?? [])]);
  const errors: DialplanError[] = [];

  for (const step of dialplan.steps()) {
    if (!apps.has(step.app.toLowerCase())) {
      errors.push(new DialplanError(step.at, `unsupported application ${step.app}()`, 'DIALPLAN_ERR_UNKNOWN_APP'));
    }
    for (const name of functionsUsed(step.appData)) {
      if (!functions.has(name)) {
        errors.push(new DialplanError(step.at, `unsupported function ${name}()`, 'DIALPLAN_ERR_UNKNOWN_FUNCTION'));
      }
    }
    for (const target of staticGotoTargets(step)) {
      checkTarget(dialplan, step, target, errors);
    }
  }
  return errors;
}

/** Goto/GotoIf targets written without variables. */
function staticGotoTargets(step: DialplanStep): string[] {
  const app = step.app.toLowerCase();
  if (app === 'goto') return step.appData.includes('$') ? [] : [step.appData];
  if (app !== 'gotoif') return [];
  // The condition is usually an expression: the branches follow the first '?' outside ${ } and $[ ].
  const q = topLevelQuestionMark(step.appData);
  if (q < 0) return [];
  const branches = step.appData.slice(q);
  if (branches.includes('$')) return [];
  const { ifTrue, ifFalse } = splitGotoIf(`x${branches}`);
  return [ifTrue, ifFalse].filter((t): t is string => !!t);
}

function topLevelQuestionMark(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    else if (c === '?' && depth === 0) return i;
  }
  return -1;
}

function checkTarget(dialplan: Dialplan, step: DialplanStep, text: string, errors: DialplanError[]): void {
  const target = parseGotoTarget(text);
  if (!target) return;
  const context = target.context ?? step.context;
  const exten = target.exten ?? step.exten;
  if (target.context !== undefined && !dialplan.hasContext(context)) {
    errors.push(new DialplanError(step.at, `${step.app}: context '${context}' does not exist`, 'DIALPLAN_ERR_BAD_TARGET'));
    return;
  }
  const landing = resolveGoto(dialplan, target, { context, exten, priority: step.priority });
  if (!landing) {
    errors.push(
      new DialplanError(step.at, `${step.app}: no label '${target.priority}' in ${exten}@${context}`, 'DIALPLAN_ERR_BAD_TARGET'),
    );
    return;
  }
  if (!dialplan.find(landing.context, landing.exten, landing.priority)) {
    errors.push(
      new DialplanError(
        step.at,
        `${step.app}: ${landing.exten},${landing.priority}@${landing.context} does not exist`,
        'DIALPLAN_ERR_BAD_TARGET',
      ),
    );
  }
}
