/**
 * Errors of the dialplan layer, always tied to a place in a config file so an operator can go
 * straight to the line: `extensions.conf:12: unsupported function FOO()`.
 */

/** A line of a config file; `file` is the path as Asterisk names it (relative to the config dir). */
export interface SourceLocation {
  file: string;
  line: number;
}

/** Stable codes, for tests and log searches (the wording of messages may change). */
export type DialplanErrorCode =
  /** The file cannot be read as an Asterisk config file (brackets, '=', comments). */
  | 'DIALPLAN_ERR_SYNTAX'
  /** extensions.conf semantics: priorities, labels, `same`, directives. */
  | 'DIALPLAN_ERR_EXTENSION'
  /** Two entries for the same priority or label of one extension. */
  | 'DIALPLAN_ERR_DUPLICATE'
  /** `#include` of a file that does not exist, or includes nested too deep. */
  | 'DIALPLAN_ERR_INCLUDE'
  /** Valid for Asterisk, not modelled by the simulator (switches, caller-id match, timed includes). */
  | 'DIALPLAN_ERR_UNSUPPORTED'
  /** A dialplan function the simulator does not provide. */
  | 'DIALPLAN_ERR_UNKNOWN_FUNCTION'
  /** A provided function refused its arguments (thrown by SubstituteContext.readFunction). */
  | 'DIALPLAN_ERR_FUNCTION'
  /** An application the executor does not provide (reported by validateDialplan). */
  | 'DIALPLAN_ERR_UNKNOWN_APP'
  /** A Goto/GotoIf target label that does not exist (reported by validateDialplan). */
  | 'DIALPLAN_ERR_BAD_TARGET';

export class DialplanError extends Error {
  readonly code: DialplanErrorCode;
  readonly file: string;
  readonly line: number;
  /** The message without the `file:line: ` prefix. */
  readonly detail: string;

  constructor(at: SourceLocation, detail: string, code: DialplanErrorCode = 'DIALPLAN_ERR_SYNTAX') {
    super(`${at.file}:${at.line}: ${detail}`);
    this.name = 'DialplanError';
    this.code = code;
    this.file = at.file;
    this.line = at.line;
    this.detail = detail;
  }
}

/** What Asterisk only logs as a warning and carries on with; the simulator reports the same. */
export interface DialplanWarning {
  file: string;
  line: number;
  message: string;
}
