/**
 * Goto() and GotoIf() targets, parsed and resolved like main/pbx.c pbx_parseable_goto and
 * pbx_parse_location, and main/pbx_builtins.c pbx_builtin_gotoif. Pure: the executor
 * substitutes the data first and moves the channel afterwards.
 */
import { checkCondition } from './args.js';
import type { Dialplan } from './dialplan.js';

/** `[[context,]exten,]priority`; an omitted or empty context/exten means "the current one". */
export interface GotoTarget {
  context?: string;
  exten?: string;
  /** As written: "5", "+2" / "-1" (relative), or a label. */
  priority: string;
}

/** Where the channel is now. */
export interface DialplanPosition {
  context: string;
  /** The dialed extension (the channel's ${EXTEN}), not the pattern that matched it. */
  exten: string;
  priority: number;
}

/** Splits Goto() data on plain commas (no quoting, as strsep does). Undefined for empty data. */
export function parseGotoTarget(data: string): GotoTarget | undefined {
  if (data === '') return undefined;
  const parts = data.split(',');
  if (parts.length === 1) return { priority: parts[0]! };
  if (parts.length === 2) return nonEmpty({ exten: parts[0]!, priority: parts[1]! });
  return nonEmpty({ context: parts[0]!, exten: parts[1]!, priority: parts[2]! });
}

function nonEmpty(t: { context?: string; exten?: string; priority: string }): GotoTarget {
  const out: GotoTarget = { priority: t.priority };
  if (t.context) out.context = t.context;
  if (t.exten) out.exten = t.exten;
  return out;
}

/**
 * Where a Goto lands: a number is taken as it is (the extension need not exist: the executor
 * finds out when it looks the step up, like Asterisk), `+N`/`-N` moves from the current
 * priority, anything else is a label looked up in the target context and extension. Undefined
 * when the label does not exist ("Priority 'x' must be a number > 0, or valid label"; Goto
 * then fails and the channel hangs up).
 */
export function resolveGoto(dialplan: Dialplan, target: GotoTarget, here: DialplanPosition): DialplanPosition | undefined {
  const context = target.context ?? here.context;
  const exten = target.exten ?? here.exten;
  let text = target.priority;
  let mode = 0;
  if (text.startsWith('+')) {
    mode = 1;
    text = text.slice(1);
  } else if (text.startsWith('-')) {
    mode = -1;
    text = text.slice(1);
  }
  // sscanf("%d%1s") == 1: a number with nothing after it.
  const numeric = /^\s*([+-]?\d+)\s*$/.exec(text);
  if (numeric) {
    const n = Number.parseInt(numeric[1]!, 10);
    return { context, exten, priority: mode ? here.priority + n * mode : n };
  }
  const step = dialplan.findLabel(context, exten, text);
  if (!step || step.priority < 1) return undefined;
  return { context, exten, priority: step.priority };
}

export interface GotoIfBranches {
  condition: string;
  ifTrue?: string;
  ifFalse?: string;
}

/** GotoIf data `condition?labeliftrue:labeliffalse`, cut with strsep: first '?', then first ':'. */
export function splitGotoIf(data: string): GotoIfBranches {
  const q = data.indexOf('?');
  if (q < 0) return { condition: data };
  const branches = data.slice(q + 1);
  const c = branches.indexOf(':');
  const out: GotoIfBranches = { condition: data.slice(0, q) };
  const ifTrue = c < 0 ? branches : branches.slice(0, c);
  out.ifTrue = ifTrue;
  if (c >= 0) out.ifFalse = branches.slice(c + 1);
  return out;
}

/** The branch GotoIf takes (undefined or "" = no jump, the dialplan goes on). */
export function chooseGotoIfBranch(data: string): string | undefined {
  const b = splitGotoIf(data);
  return checkCondition(b.condition) ? b.ifTrue : b.ifFalse;
}
