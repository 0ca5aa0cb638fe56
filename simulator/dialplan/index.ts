/**
 * The simulator's dialplan: parse extensions.conf, find steps, substitute variables. The
 * executor (exec.ts) runs on top of this API.
 */
export { splitArgs, checkCondition, type SplitOptions } from './args.js';
export { readConfig, type ConfigCategory, type ConfigEntry, type IncludedFile, type ReadConfigOptions } from './config.js';
export {
  Dialplan,
  type DialplanContext,
  type DialplanExtension,
  type DialplanHint,
  type DialplanInclude,
  type DialplanStep,
} from './dialplan.js';
export { DialplanError, type DialplanErrorCode, type DialplanWarning, type SourceLocation } from './error.js';
export { evaluateExpression } from './expr.js';
export {
  chooseGotoIfBranch,
  parseGotoTarget,
  resolveGoto,
  splitGotoIf,
  type DialplanPosition,
  type GotoIfBranches,
  type GotoTarget,
} from './goto.js';
export { loadDialplan, parseExtensions, type ParseOptions } from './parse.js';
export { compareExtensions, extensionMatches, isPattern, normalizeExtension } from './pattern.js';
export { BUILTIN_FUNCTIONS, functionsUsed, substitute, type SubstituteContext } from './substitute.js';
export { validateDialplan, type ValidateOptions } from './validate.js';
