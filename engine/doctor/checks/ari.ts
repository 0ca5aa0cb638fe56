/**
 * ARI itself: does Asterisk answer (network error vs an HTTP answer), are the credentials
 * accepted, does the events WebSocket open, and is an engine connected to the real app.
 */
import { pino, type Logger } from 'pino';
import type { AriClient } from '../../ari/client.js';
import { isAriHttpError, isAriNetworkError } from '../../ari/errors.js';
import { AriEventStream } from '../../ari/events.js';
import type { AsteriskInfo } from '../../ari/models.js';
import type { EngineConfig } from '../../config/load.js';
import { EventLog } from '../event-log.js';
import { fixes } from '../fixes.js';
import { fail, info, pass, skip, type CheckResult } from '../report.js';
import { CHECK } from './names.js';

export interface AriAccess {
  results: CheckResult[];
  /** Set when Asterisk answered and accepted the credentials. */
  info?: AsteriskInfo;
}

/** GET /asterisk/info: reachable? credentials accepted? */
export async function checkAriAccess(ari: AriClient, cfg: EngineConfig): Promise<AriAccess> {
  const started = performance.now();
  try {
    const asterisk = await ari.asterisk.info();
    const ms = Math.round(performance.now() - started);
    return {
      info: asterisk,
      results: [
        pass(CHECK.ariReachable, `${ari.baseUrl} answered in ${ms} ms (Asterisk ${asterisk.system?.version ?? 'version unknown'})`),
        pass(CHECK.ariCredentials, `user "${cfg.ari.username}" accepted`),
      ],
    };
  } catch (err) {
    if (isAriHttpError(err)) {
      const answered = `${ari.baseUrl} answered HTTP ${err.status}`;
      if (err.status === 401) {
        return {
          results: [
            pass(CHECK.ariReachable, answered),
            fail(CHECK.ariCredentials, `401 ${err.ariMessage} for user "${cfg.ari.username}"`, fixes.credentials(cfg.ari.username)),
          ],
        };
      }
      return {
        results: [
          fail(CHECK.ariReachable, `${answered} to GET /asterisk/info: ${err.ariMessage}`, fixes.notAri(ari.baseUrl)),
          skip(CHECK.ariCredentials, 'needs an ARI answer'),
        ],
      };
    }
    const detail = isAriNetworkError(err) ? err.message : String(err);
    return {
      results: [
        fail(CHECK.ariReachable, `no answer from ${ari.baseUrl}: ${detail}`, fixes.ariUnreachable()),
        skip(CHECK.ariCredentials, 'needs an ARI answer'),
      ],
    };
  }
}

export interface DoctorEvents {
  result: CheckResult;
  /** Open stream and its event log, when the WebSocket opened. The caller closes the stream. */
  stream?: AriEventStream;
  log?: EventLog;
}

/**
 * Opens the events WebSocket for the doctor's own app (see doctorAppName: never the engine's).
 * AriEventStream reconnects forever by design; here the first failed try (or the timeout) is
 * the answer, and the stream is closed. Its log lines are captured to tell why.
 */
export async function openDoctorEvents(cfg: EngineConfig, app: string, timeoutMs: number): Promise<DoctorEvents> {
  const capture = errorCapture();
  const stream = new AriEventStream({
    url: cfg.ari.url,
    username: cfg.ari.username,
    password: cfg.ari.password,
    app,
    pingIntervalMs: 0,
    handshakeTimeoutMs: timeoutMs,
    reconnect: { minMs: 200, maxMs: 1000 },
    logger: capture.logger,
  });
  const log = new EventLog(stream);
  const started = performance.now();
  // The first failed try is the answer (a pre-flight check does not wait out the backoff).
  const failedOnce = new Promise<false>((resolve) => stream.once('reconnecting', () => resolve(false)));
  const opened = stream.waitConnected(timeoutMs).then(
    () => true,
    () => false,
  );
  stream.start();
  if (!(await Promise.race([opened, failedOnce]))) {
    log.close();
    await stream.close();
    const why = capture.lastError() ?? `not open within ${timeoutMs} ms`;
    const fix = /\b401\b/.test(why) ? fixes.credentials(cfg.ari.username) : fixes.events();
    return { result: fail(CHECK.events, `${redactedUrl(stream.url)} did not open: ${why}`, fix) };
  }
  const ms = Math.round(performance.now() - started);
  return { result: pass(CHECK.events, `open for the doctor's app "${app}" in ${ms} ms`), stream, log };
}

/**
 * Whether an engine is connected to the real app. Asterisk keeps an app in its registry while
 * its WebSocket is open, and drops it soon after it closes unless calls are still in it
 * (res_stasis cleans up finished apps lazily), so 200 means "connected, or calls left in it"
 * and "Application not found" means "no engine now". An ARI without that resource
 * (the simulator) cannot tell. Never a failure: the doctor runs before the engine too.
 */
export async function checkEngineApp(ari: AriClient, app: string): Promise<CheckResult> {
  try {
    await ari.json('GET', `/applications/${encodeURIComponent(app)}`);
    return info(CHECK.engineApp, `"${app}" is registered in Asterisk: an engine is connected (or its calls are still in Stasis); the doctor used its own app`);
  } catch (err) {
    if (isAriHttpError(err) && err.status === 404 && /application/i.test(err.ariMessage)) {
      return info(CHECK.engineApp, `no engine connected to "${app}" now: calls into Stasis(${app}) fail until it starts`);
    }
    const why = isAriHttpError(err) ? `${err.status} ${err.ariMessage}` : (err as Error).message;
    return info(CHECK.engineApp, `cannot tell whether an engine is connected to "${app}" (GET /applications: ${why})`);
  }
}

/** A silent-to-the-user logger whose warnings (ws errors: "Unexpected server response: 401") are kept. */
function errorCapture(): { logger: Logger; lastError(): string | undefined } {
  let last: string | undefined;
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        try {
          const entry = JSON.parse(line) as { err?: unknown; code?: unknown };
          if (typeof entry.err === 'string') last = typeof entry.code === 'string' ? `${entry.code} ${entry.err}` : entry.err;
        } catch {
          // not JSON: ignore
        }
      },
    },
  );
  return { logger, lastError: () => last };
}

/** The events URL never carries credentials (they go in a header), but be sure. */
function redactedUrl(url: string): string {
  return url.replace(/api_key=[^&]*/, 'api_key=[redacted]');
}
