/**
 * Failures of ARI requests, with stable codes (ws/undici style) so callers and logs can tell
 * "Asterisk answered no" (AriHttpError, with its status and message) from "Asterisk could not
 * be reached" (AriNetworkError: refused, reset, or timed out).
 */

export type AriClientErrorCode = 'ARI_ERR_HTTP' | 'ARI_ERR_NETWORK' | 'ARI_ERR_TIMEOUT';

export abstract class AriClientError extends Error {
  abstract readonly code: AriClientErrorCode;
  readonly method: string;
  /** The request path without its query string (ids are in it; values such as variables are not). */
  readonly path: string;
  constructor(message: string, method: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.method = method;
    this.path = path;
  }
}

/** Asterisk answered with a 4xx/5xx. `message` carries the body's message, e.g. "Channel not found". */
export class AriHttpError extends AriClientError {
  readonly code = 'ARI_ERR_HTTP' as const;
  readonly status: number;
  /** The `message` of Asterisk's JSON error body, or the body text. */
  readonly ariMessage: string;
  constructor(status: number, method: string, path: string, ariMessage: string) {
    super(`ARI ${method} ${path} failed: ${status} ${ariMessage}`, method, path);
    this.name = 'AriHttpError';
    this.status = status;
    this.ariMessage = ariMessage;
  }
}

/** No HTTP answer: connection refused/reset, DNS, or the per-request timeout. */
export class AriNetworkError extends AriClientError {
  readonly code: 'ARI_ERR_NETWORK' | 'ARI_ERR_TIMEOUT';
  constructor(code: 'ARI_ERR_NETWORK' | 'ARI_ERR_TIMEOUT', method: string, path: string, detail: string, cause?: unknown) {
    super(`ARI ${method} ${path}: ${detail}`, method, path, { cause });
    this.name = 'AriNetworkError';
    this.code = code;
  }
  get timedOut(): boolean {
    return this.code === 'ARI_ERR_TIMEOUT';
  }
}

export function isAriHttpError(err: unknown): err is AriHttpError {
  return err instanceof AriHttpError;
}

export function isAriNetworkError(err: unknown): err is AriNetworkError {
  return err instanceof AriNetworkError;
}

/** True when Asterisk answered 404: the channel, bridge, playback or recording is gone. */
export function isNotFound(err: unknown): boolean {
  return err instanceof AriHttpError && err.status === 404;
}
