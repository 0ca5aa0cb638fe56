/**
 * extensions.conf into a Dialplan, with pbx_config's rules (pbx/pbx_config.c pbx_load_config):
 *
 *   [general]                     settings (kept in Dialplan.general)
 *   [globals]                     NAME = value, substituted with the globals defined before
 *   [context]                     anything else is a context; the same name twice merges
 *   exten => name,priority,App(data)   priority: a number, n / next, s / same, hint, with an
 *   same => priority,App(data)         optional (label) and +N; App without parentheses has no data
 *   include => other-context
 *
 * Where Asterisk logs an error and skips the line (a `same` with no extension before it, an 'n'
 * on the first line, a duplicate priority, an unknown directive), this parser throws
 * DialplanError with the file and line: such a line is always a mistake, and a simulator that
 * skipped it would only move the failure to the middle of a call. What Asterisk accepts but the
 * simulator does not model (switches, caller-ID matching, time-conditioned includes, #exec) is
 * refused with DIALPLAN_ERR_UNSUPPORTED.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { readConfig, type ConfigCategory, type ConfigEntry, type IncludedFile } from './config.js';
import {
  Dialplan,
  sortExtensions,
  type DialplanContext,
  type DialplanExtension,
  type DialplanHint,
  type DialplanInclude,
  type DialplanStep,
} from './dialplan.js';
import { DialplanError, type DialplanWarning, type SourceLocation } from './error.js';
import { normalizeExtension, patternProblem } from './pattern.js';
import { substitute } from './substitute.js';

export interface ParseOptions {
  /** Reads `#include` targets; loadDialplan supplies one that reads from the config dir. */
  include?: (name: string, at: SourceLocation) => IncludedFile[];
}

/** Parses the text of an extensions.conf. `file` names it in errors ("extensions.conf"). */
export function parseExtensions(text: string, file: string, options: ParseOptions = {}): Dialplan {
  const categories = readConfig(text, file, { include: options.include });
  return buildDialplan(categories);
}

/**
 * Reads `<configDir>/extensions.conf` and what it #includes. Relative include paths are taken
 * from the config dir (as Asterisk does), and may be globs (`extensions.d/*.conf`); errors
 * name files relative to the config dir.
 */
export function loadDialplan(configDir: string): Dialplan {
  const main = path.join(configDir, 'extensions.conf');
  if (!existsSync(main)) {
    throw new DialplanError({ file: 'extensions.conf', line: 0 }, `no extensions.conf in ${configDir}`, 'DIALPLAN_ERR_INCLUDE');
  }
  return parseExtensions(readFileSync(main, 'utf8'), 'extensions.conf', {
    include: (name) => readIncluded(configDir, name),
  });
}

function readIncluded(configDir: string, name: string): IncludedFile[] {
  const full = path.isAbsolute(name) ? name : path.join(configDir, name);
  const label = (p: string) => (path.isAbsolute(name) ? p : path.relative(configDir, p));
  if (!/[*?]/.test(path.basename(full))) {
    return existsSync(full) ? [{ file: label(full), text: readFileSync(full, 'utf8') }] : [];
  }
  // A glob in the last path component, sorted like glob(3) does.
  const dir = path.dirname(full);
  if (!existsSync(dir)) return [];
  const re = new RegExp(
    `^${path.basename(full).replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`,
  );
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f))
    .map((p) => ({ file: label(p), text: readFileSync(p, 'utf8') }));
}

// ---------------------------------------------------------------------------------------------

interface MutableExtension {
  name: string;
  steps: Map<number, DialplanStep>;
  labels: Map<string, DialplanStep>;
  hint?: DialplanHint;
}

interface MutableContext {
  name: string;
  at: SourceLocation;
  extensions: Map<string, MutableExtension>;
  includes: DialplanInclude[];
}

const PRIORITY_HINT = -1;

function buildDialplan(categories: ConfigCategory[]): Dialplan {
  const warnings: DialplanWarning[] = [];
  const general = new Map<string, string>();
  const globals = new Map<string, string>();
  const contexts = new Map<string, MutableContext>();
  const browsable = categories.filter((c) => !c.template);

  for (const category of browsable) {
    if (category.name.toLowerCase() === 'general') {
      for (const e of category.entries) general.set(e.name, e.value);
    }
  }
  // All [globals] sections first, as pbx_config does, so contexts can use any of them.
  const globalsContext = {
    getVar: (name: string) => globals.get(name),
  };
  for (const category of browsable) {
    if (category.name.toLowerCase() !== 'globals') continue;
    for (const e of category.entries) {
      globals.set(e.name.replace(/^_{1,2}/, ''), substitute(e.value, globalsContext, e.at));
    }
  }
  for (const category of browsable) {
    const lower = category.name.toLowerCase();
    if (lower === 'general' || lower === 'globals') continue;
    let context = contexts.get(category.name);
    if (!context) {
      context = { name: category.name, at: category.at, extensions: new Map(), includes: [] };
      contexts.set(category.name, context);
    }
    new ContextReader(context, globalsContext).read(category.entries);
  }

  for (const context of contexts.values()) {
    for (const include of context.includes) {
      if (!contexts.has(include.context)) {
        warnings.push({ ...include.at, message: `context '${context.name}' includes '${include.context}', which is not defined` });
      }
    }
    for (const extension of context.extensions.values()) {
      if (extension.name === '_.' || extension.name === '_!') {
        const first = extension.steps.values().next().value ?? extension.hint;
        if (first) {
          warnings.push({
            ...first.at,
            message: `the use of '${extension.name}' for an extension is strongly discouraged; use '_X${extension.name[1]}'`,
          });
        }
      }
    }
  }

  return new Dialplan({
    contexts: new Map([...contexts].map(([name, c]) => [name, freezeContext(c)])),
    globals,
    general,
    warnings,
  });
}

function freezeContext(c: MutableContext): DialplanContext {
  const extensions: DialplanExtension[] = sortExtensions(
    [...c.extensions.values()].map((e) => ({
      name: e.name,
      steps: new Map([...e.steps].sort(([a], [b]) => a - b)),
      labels: e.labels,
      ...(e.hint ? { hint: e.hint } : {}),
    })),
  );
  return { name: c.name, at: c.at, extensions, includes: c.includes };
}

/** The per-context state of pbx_load_config: the last extension and priority, for `same` and `n`. */
class ContextReader {
  private lastExtension: string | undefined;
  /** -2 = nothing yet, as in pbx_config. */
  private lastPriority = -2;

  constructor(
    private readonly context: MutableContext,
    private readonly globals: { getVar(name: string): string | undefined },
  ) {}

  read(entries: ConfigEntry[]): void {
    for (const entry of entries) {
      const directive = entry.name.toLowerCase();
      if (directive.startsWith('same')) {
        this.readExtension(entry, true);
      } else if (directive === 'exten') {
        this.readExtension(entry, false);
      } else if (directive === 'include') {
        this.readInclude(entry);
      } else if (directive === 'ignorepat' || directive === 'autohints') {
        // Dialing-time and device-state matters: nothing for the simulator to do.
      } else if (directive === 'switch' || directive === 'lswitch' || directive === 'eswitch') {
        throw new DialplanError(entry.at, `'${entry.name}' (dialplan switches) is not supported`, 'DIALPLAN_ERR_UNSUPPORTED');
      } else {
        throw new DialplanError(entry.at, `unknown directive '${entry.name}' in context [${this.context.name}]`, 'DIALPLAN_ERR_EXTENSION');
      }
    }
  }

  private readInclude(entry: ConfigEntry): void {
    const name = substitute(entry.value, this.globals, entry.at);
    if (name.includes(',')) {
      throw new DialplanError(entry.at, `time-conditioned include '${name}' is not supported`, 'DIALPLAN_ERR_UNSUPPORTED');
    }
    if (name === '') throw new DialplanError(entry.at, 'include needs a context name', 'DIALPLAN_ERR_EXTENSION');
    if (this.context.includes.some((i) => i.context === name)) {
      throw new DialplanError(entry.at, `context '${name}' is already included in [${this.context.name}]`, 'DIALPLAN_ERR_DUPLICATE');
    }
    this.context.includes.push({ context: name, at: entry.at });
  }

  private readExtension(entry: ConfigEntry, same: boolean): void {
    const at = entry.at;
    let rest = entry.value;
    let name: string;
    if (same) {
      if (this.lastExtension === undefined) {
        throw new DialplanError(at, `'same' with no extension before it in context [${this.context.name}]`, 'DIALPLAN_ERR_EXTENSION');
      }
      name = this.lastExtension;
    } else {
      const cut = splitExtensionName(rest);
      name = normalizeExtension(substitute(cut.name, this.globals, at));
      rest = cut.rest ?? '';
      if (name === '') throw new DialplanError(at, 'extension name is empty', 'DIALPLAN_ERR_EXTENSION');
      this.lastExtension = name;
    }
    if (name.includes('/')) {
      throw new DialplanError(at, `caller-ID matching ('${name}') is not supported`, 'DIALPLAN_ERR_UNSUPPORTED');
    }
    const problem = patternProblem(name);
    if (problem) throw new DialplanError(at, problem, 'DIALPLAN_ERR_EXTENSION');

    const comma = rest.indexOf(',');
    const prioritySpec = (comma < 0 ? rest : rest.slice(0, comma)).trim();
    const appText = comma < 0 ? '' : rest.slice(comma + 1);
    const { priority, label } = this.readPriority(prioritySpec, at);

    const extension = this.extension(name);
    if (priority === PRIORITY_HINT) {
      if (extension.hint) {
        throw new DialplanError(at, `extension '${name}' in [${this.context.name}] already has a hint (line ${extension.hint.at.line})`, 'DIALPLAN_ERR_DUPLICATE');
      }
      extension.hint = { context: this.context.name, exten: name, devices: appText.trim(), at };
      return;
    }

    const { app, appData } = splitApplication(appText, at);
    const existing = extension.steps.get(priority);
    if (existing) {
      throw new DialplanError(
        at,
        `priority ${priority} of extension '${name}' in [${this.context.name}] is already defined at ${existing.at.file}:${existing.at.line}`,
        'DIALPLAN_ERR_DUPLICATE',
      );
    }
    const step: DialplanStep = { context: this.context.name, exten: name, priority, app, appData, at };
    if (label !== undefined) {
      const taken = extension.labels.get(label);
      if (taken) {
        throw new DialplanError(
          at,
          `label '${label}' of extension '${name}' in [${this.context.name}] is already used at ${taken.at.file}:${taken.at.line}`,
          'DIALPLAN_ERR_DUPLICATE',
        );
      }
      step.label = label;
      extension.labels.set(label, step);
    }
    extension.steps.set(priority, step);
  }

  /** `1`, `n`, `next`, `s`, `same`, `hint`, each with an optional `(label)` and `+N`. */
  private readPriority(spec: string, at: SourceLocation): { priority: number; label?: string } {
    let text = spec;
    let label: string | undefined;
    const open = text.indexOf('(');
    if (open >= 0) {
      const close = text.indexOf(')', open + 1);
      if (close < 0) throw new DialplanError(at, `label missing its closing ')' in '${spec}'`, 'DIALPLAN_ERR_EXTENSION');
      label = text.slice(open + 1, close);
      text = text.slice(0, open);
      if (label === '') label = undefined;
    }
    let plus = 0;
    const plusAt = text.indexOf('+');
    if (plusAt >= 0) {
      plus = Number.parseInt(text.slice(plusAt + 1), 10) || 0;
      text = text.slice(0, plusAt);
    }

    let priority: number;
    if (text === 'hint') {
      if (label !== undefined) throw new DialplanError(at, 'a hint cannot carry a label', 'DIALPLAN_ERR_EXTENSION');
      this.lastPriority = PRIORITY_HINT;
      return { priority: PRIORITY_HINT };
    } else if (text === 'n' || text === 'next' || text === 's' || text === 'same') {
      if (this.lastPriority === -2) {
        throw new DialplanError(at, `priority '${text}' on the first line of context [${this.context.name}]: there is no previous priority`, 'DIALPLAN_ERR_EXTENSION');
      }
      if (this.lastPriority === PRIORITY_HINT) {
        // pbx_config would compute priority 0 here and silently drop the line.
        throw new DialplanError(at, `priority '${text}' right after a hint: give the first priority as a number`, 'DIALPLAN_ERR_EXTENSION');
      }
      priority = text === 'n' || text === 'next' ? this.lastPriority + 1 : this.lastPriority;
    } else {
      const m = /^\s*([+-]?\d+)/.exec(text);
      if (!m) throw new DialplanError(at, `invalid priority '${spec}'`, 'DIALPLAN_ERR_EXTENSION');
      priority = Number.parseInt(m[1]!, 10);
      if (priority < 1) throw new DialplanError(at, `invalid priority '${spec}' (priorities start at 1)`, 'DIALPLAN_ERR_EXTENSION');
    }
    priority += plus;
    this.lastPriority = priority;
    return label === undefined ? { priority } : { priority, label };
  }

  private extension(name: string): MutableExtension {
    let extension = this.context.extensions.get(name);
    if (!extension) {
      extension = { name, steps: new Map(), labels: new Map() };
      this.context.extensions.set(name, extension);
    }
    return extension;
  }
}

/** pbx_strsep(",") on the extension name: commas inside [...] and after '\' do not cut. */
function splitExtensionName(value: string): { name: string; rest: string | undefined } {
  let square = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '[') square++;
    else if (c === ']') {
      if (square) square--;
    } else if (c === '\\') i++;
    else if (c === ',' && !square) return { name: value.slice(0, i), rest: value.slice(i + 1) };
  }
  return { name: value, rest: undefined };
}

/**
 * `App(data)`: the name before the first '(', the data up to the last ')'. `App` alone has no
 * data. When '${' or '$[' comes before the '(' (a hint-like value), the whole text is the name.
 */
function splitApplication(text: string, at: SourceLocation): { app: string; appData: string } {
  const open = text.indexOf('(');
  if (open < 0) {
    const app = text.trimStart();
    if (app.trim() === '') throw new DialplanError(at, 'no application after the priority', 'DIALPLAN_ERR_EXTENSION');
    return { app, appData: '' };
  }
  const name = text.slice(0, open);
  if (name.includes('${') || name.includes('$[')) return { app: text.trimStart(), appData: '' };
  const app = name.trimStart();
  if (app === '') throw new DialplanError(at, `no application name before '(' in '${text}'`, 'DIALPLAN_ERR_EXTENSION');
  const data = text.slice(open + 1);
  const close = data.lastIndexOf(')');
  if (close < 0) throw new DialplanError(at, `no closing ')' in '${text.trim()}'`, 'DIALPLAN_ERR_EXTENSION');
  return { app, appData: data.slice(0, close) };
}
