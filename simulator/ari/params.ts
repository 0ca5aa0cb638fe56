/**
 * Request parameters as Asterisk's ARI reads them: from the query string and from a JSON
 * (or form-encoded) body, the body winning where both name the same parameter (res_ari's
 * generated `*_parse_body` runs after the query loop). Pure: no sockets, unit-tested alone.
 *
 * Values are kept as strings, the way they arrive in a query string, and converted on
 * request: `int()` like C's atol (leading digits, else absent), `bool()` like ast_true,
 * `list()` for allowMultiple parameters (comma-separated, repeated, or a JSON array).
 */
import { AriError } from '../core/api.js';

export class Params {
  private readonly values = new Map<string, string[]>();
  /** The JSON body object, when there was one: `variables` and `fields` live here. */
  readonly body: Record<string, unknown> | undefined;

  constructor(query: URLSearchParams, body?: Record<string, unknown>) {
    for (const [name, value] of query) this.append(name, value);
    this.body = body;
    if (body) {
      for (const [name, value] of Object.entries(body)) {
        const strings = jsonToStrings(value);
        // A body value replaces what the query string said (Asterisk parses the body last).
        if (strings) this.values.set(name, strings);
      }
    }
  }

  /** Adds one value (repeated query keys accumulate). */
  append(name: string, value: string): void {
    const list = this.values.get(name);
    if (list) list.push(value);
    else this.values.set(name, [value]);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value given, or undefined. Empty strings count as given (Asterisk's ast_strlen_zero checks are the model's). */
  str(name: string): string | undefined {
    const list = this.values.get(name);
    return list ? list[list.length - 1] : undefined;
  }

  /** Non-empty string or undefined: what Asterisk's `ast_strlen_zero()` guards treat as present. */
  nonEmpty(name: string): string | undefined {
    const v = this.str(name);
    return v === undefined || v === '' ? undefined : v;
  }

  /** atol-like: leading optional sign and digits; anything else is treated as not given. */
  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const m = /^\s*([+-]?\d+)/.exec(v);
    return m ? Number.parseInt(m[1], 10) : undefined;
  }

  /** A decimal number (the control API's dB and ms); NaN when given but not a number. */
  num(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    return v.trim() === '' ? Number.NaN : Number(v.trim());
  }

  /** ast_true(): yes/true/y/t/1/on, case-insensitive. Undefined when not given. */
  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    return ['yes', 'true', 'y', 't', '1', 'on'].includes(v.trim().toLowerCase());
  }

  /** allowMultiple: every given value, each split at commas, empty pieces dropped. */
  list(name: string): string[] {
    const list = this.values.get(name) ?? [];
    return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  }

  /**
   * A string-valued object from the JSON body, e.g. `variables` in `{"variables": {"A": "1"}}`.
   * Asterisk rejects non-string values with this exact message.
   */
  stringMap(name: string): Record<string, string> | undefined {
    const raw = this.body?.[name];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new AriError(400, `Only string values in the '${name}' object allowed`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') throw new AriError(400, `Only string values in the '${name}' object allowed`);
      out[k] = v;
    }
    return out;
  }

  /** Everything given, for logs. Values of `api_key` are never included. */
  names(): string[] {
    return [...this.values.keys()].filter((n) => n !== 'api_key');
  }
}

function jsonToStrings(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) {
    const parts = value.filter((v) => ['string', 'number', 'boolean'].includes(typeof v)).map(String);
    return [parts.join(',')];
  }
  return undefined; // objects (variables, fields) are read through stringMap()
}

export type BodyParseResult =
  | { ok: true; body: Record<string, unknown> | undefined; form: URLSearchParams | undefined }
  | { ok: false; status: number; message: string };

/**
 * Interprets a request body by its Content-Type. JSON must be an object (or empty); a
 * form-encoded body adds parameters like a query string; anything else is ignored, as
 * Asterisk ignores bodies it has no use for.
 */
export function parseBody(contentType: string | undefined, raw: Buffer): BodyParseResult {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (raw.length === 0) return { ok: true, body: undefined, form: undefined };
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return { ok: false, status: 400, message: 'Error parsing request body' };
    }
    if (parsed === null) return { ok: true, body: undefined, form: undefined };
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { ok: false, status: 400, message: 'Error parsing request body' };
    }
    return { ok: true, body: parsed as Record<string, unknown>, form: undefined };
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { ok: true, body: undefined, form: new URLSearchParams(raw.toString('utf8')) };
  }
  return { ok: true, body: undefined, form: undefined };
}

/** Builds the Params of one request: query first, then form fields, then the JSON body. */
export function requestParams(query: URLSearchParams, parsed: { body?: Record<string, unknown>; form?: URLSearchParams }): Params {
  const merged = new URLSearchParams(query);
  if (parsed.form) for (const [k, v] of parsed.form) merged.append(k, v);
  return new Params(merged, parsed.body);
}
