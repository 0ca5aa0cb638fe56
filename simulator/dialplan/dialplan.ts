/**
 * The loaded dialplan and its lookups, with the semantics of Asterisk's pbx_find_extension
 * (the default, linear matcher): in the asked context, extensions in ext_cmp order (exact names,
 * then narrower patterns, then wider ones); the first one that matches the dialed string AND has
 * the asked priority (or label) wins; otherwise the included contexts, in order, depth first,
 * each context searched at most once.
 */
import type { DialplanWarning, SourceLocation } from './error.js';
import { compareExtensions, extensionMatches } from './pattern.js';

/** One priority of one extension: what the executor runs. */
export interface DialplanStep {
  /** The context that defines the step: the asked one, or a context it includes. */
  context: string;
  /**
   * The extension as written in the file, normalized like Asterisk does (blanks and '-' removed):
   * `s`, `100`, or a pattern such as `_X.`. The channel's ${EXTEN} stays the dialed string.
   */
  exten: string;
  priority: number;
  label?: string;
  /** Application name as written (Asterisk looks applications up case-insensitively). */
  app: string;
  /** Raw application data, not substituted: what is between the first '(' and the last ')'. */
  appData: string;
  at: SourceLocation;
}

export interface DialplanHint {
  context: string;
  exten: string;
  /** The device(s) the hint watches, e.g. "PJSIP/100". */
  devices: string;
  at: SourceLocation;
}

export interface DialplanExtension {
  /** Normalized name (see DialplanStep.exten). */
  name: string;
  /** Steps by priority, in ascending priority order. */
  steps: ReadonlyMap<number, DialplanStep>;
  labels: ReadonlyMap<string, DialplanStep>;
  hint?: DialplanHint;
}

export interface DialplanInclude {
  context: string;
  at: SourceLocation;
}

export interface DialplanContext {
  name: string;
  /** Where the context is first defined. */
  at: SourceLocation;
  /** In Asterisk's search order. */
  extensions: readonly DialplanExtension[];
  includes: readonly DialplanInclude[];
}

export interface DialplanData {
  contexts: ReadonlyMap<string, DialplanContext>;
  globals: ReadonlyMap<string, string>;
  general: ReadonlyMap<string, string>;
  warnings: readonly DialplanWarning[];
}

export class Dialplan {
  /** Context names are case-sensitive, as in Asterisk. */
  readonly contexts: ReadonlyMap<string, DialplanContext>;
  /** [globals], substituted at load time like pbx_config does. Names without leading '_'/'__'. */
  readonly globals: ReadonlyMap<string, string>;
  /** The [general] settings (static, writeprotect, autofallthrough, ...), last one wins. */
  readonly general: ReadonlyMap<string, string>;
  /** What Asterisk would only warn about at load time (e.g. an include of a missing context). */
  readonly warnings: readonly DialplanWarning[];

  constructor(data: DialplanData) {
    this.contexts = data.contexts;
    this.globals = data.globals;
    this.general = data.general;
    this.warnings = data.warnings;
  }

  hasContext(context: string): boolean {
    return this.contexts.has(context);
  }

  /** The step at `priority` of the best extension matching `exten`, or undefined. */
  find(context: string, exten: string, priority: number): DialplanStep | undefined {
    return this.search(context, exten, (e) => e.steps.get(priority), new Set());
  }

  /** The step carrying `label` in the best extension matching `exten`, or undefined. */
  findLabel(context: string, exten: string, label: string): DialplanStep | undefined {
    return this.search(context, exten, (e) => e.labels.get(label), new Set());
  }

  /**
   * ast_exists_extension: whether `exten` can run in `context`, i.e. some matching extension
   * has `priority` (1 unless told otherwise).
   */
  hasExtension(context: string, exten: string, priority = 1): boolean {
    return this.find(context, exten, priority) !== undefined;
  }

  /** The hint of the best extension matching `exten` that has one (hints are not steps). */
  hint(context: string, exten: string): DialplanHint | undefined {
    return this.search(context, exten, (e) => e.hint, new Set());
  }

  /** Every step of every context, in file order of contexts and search order of extensions. */
  *steps(): Iterable<DialplanStep> {
    for (const context of this.contexts.values()) {
      for (const extension of context.extensions) yield* extension.steps.values();
    }
  }

  private search<T>(
    contextName: string,
    exten: string,
    pick: (e: DialplanExtension) => T | undefined,
    visited: Set<string>,
  ): T | undefined {
    if (visited.has(contextName)) return undefined;
    const context = this.contexts.get(contextName);
    if (!context) return undefined;
    for (const extension of context.extensions) {
      if (!extensionMatches(extension.name, exten)) continue;
      const found = pick(extension);
      if (found !== undefined) return found;
    }
    visited.add(contextName);
    for (const include of context.includes) {
      const found = this.search(include.context, exten, pick, visited);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** Sorts extensions into Asterisk's search order (ext_cmp). */
export function sortExtensions<T extends { name: string }>(extensions: T[]): T[] {
  return extensions.sort((a, b) => compareExtensions(a.name, b.name));
}
