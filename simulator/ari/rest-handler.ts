/**
 * One ARI REST request in, one response out, with res_ari's order of checks: body parse error,
 * then authentication (401 before anything else is revealed), then a trailing slash, then
 * api-docs, then the resource tree (404 "Resource not found", 405 "Invalid method"), then
 * the operation's required parameters, then the operation. No sockets: the HTTP server feeds
 * it, tests call it directly.
 */
import { AriError, type Pbx } from '../core/api.js';
import { AUTH_REALM, isAuthorized, type AriCredentials } from './auth.js';
import { parseBody, requestParams } from './params.js';
import { Router } from './router.js';
import type { OperationSpec, ResourceSpec } from './spec.js';
import { apiDeclaration, resourceListing } from './swagger.js';

export interface RestRequest {
  method: string;
  /** Path and query as received, e.g. `/ari/channels?api_key=u:p`. */
  url: string;
  headers: { host?: string; authorization?: string; 'content-type'?: string };
  body: Buffer;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON value to serialize; undefined for an empty body. */
  json?: unknown;
  /** A file to stream (GET /recordings/stored/{name}/file). */
  file?: { path: string; contentType: string };
}

export interface RestHandlerOptions {
  pbx: Pbx;
  credentials: AriCredentials;
  resources: readonly ResourceSpec[];
  /** Told about unexpected (non-AriError) failures, which become 500s. */
  onInternalError?: (err: unknown, req: RestRequest) => void;
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): RestResponse {
  return { status, headers, json: { message } };
}

export class RestHandler {
  private readonly router: Router;
  private readonly byName: Map<string, ResourceSpec>;

  constructor(private readonly options: RestHandlerOptions) {
    this.router = new Router(options.resources);
    this.byName = new Map(options.resources.map((r) => [r.name, r]));
  }

  async handle(req: RestRequest): Promise<RestResponse> {
    const url = new URL(req.url, 'http://localhost');
    const parsed = parseBody(req.headers['content-type'], req.body);
    if (!parsed.ok) return errorResponse(parsed.status, parsed.message);
    const params = requestParams(url.searchParams, { body: parsed.body, form: parsed.form });

    if (!isAuthorized(this.options.credentials, req.headers.authorization, params.str('api_key'))) {
      return errorResponse(401, 'Authentication required', { 'WWW-Authenticate': `Basic realm="${AUTH_REALM}"` });
    }

    // What follows /ari/, undecoded, like the uri res_ari receives.
    const uri = url.pathname.replace(/^\/ari\/?/, '');
    if (uri.endsWith('/')) {
      return errorResponse(404, `ARI URLs do not end with a slash. Try /ari/${uri.slice(0, -1)}`);
    }
    if (uri.startsWith('api-docs/')) {
      if (req.method !== 'GET') return errorResponse(405, 'Unsupported method');
      return this.apiDocs(uri.slice('api-docs/'.length), req.headers.host);
    }

    const match = this.router.match(req.method, `/${uri}`);
    switch (match.kind) {
      case 'not-found':
        return errorResponse(404, 'Resource not found');
      case 'options':
        return { status: 204, headers: { Allow: match.allow } };
      case 'method-not-allowed':
        return errorResponse(405, 'Invalid method', { Allow: match.allow });
      case 'operation':
        return this.invoke(match.operation, params, match.path, req);
    }
  }

  private async invoke(
    operation: OperationSpec,
    params: ReturnType<typeof requestParams>,
    path: Record<string, string>,
    req: RestRequest,
  ): Promise<RestResponse> {
    for (const spec of operation.parameters) {
      if (!spec.required || spec.paramType !== 'query') continue;
      const present = spec.allowMultiple ? params.list(spec.name).length > 0 : params.nonEmpty(spec.name) !== undefined;
      if (!present) return errorResponse(400, spec.missingMessage ?? `Required parameter '${spec.name}' not provided.`);
    }
    try {
      const result = await operation.handle({ pbx: this.options.pbx, params, path });
      if (result.status === 204) return { status: 204, headers: {} };
      if ('file' in result) return { status: 200, headers: {}, file: result.file };
      if (result.status === 201) return { status: 201, headers: { Location: result.location }, json: result.json };
      return { status: 200, headers: {}, json: result.json };
    } catch (err) {
      if (err instanceof AriError) return errorResponse(err.status, err.message);
      this.options.onInternalError?.(err, req);
      return errorResponse(500, 'Internal Server Error');
    }
  }

  private apiDocs(file: string, host: string | undefined): RestResponse {
    if (file === 'resources.json') {
      return { status: 200, headers: {}, json: resourceListing(this.options.resources, host) };
    }
    const m = /^([A-Za-z]+)\.json$/.exec(file);
    const resource = m ? this.byName.get(m[1]) : undefined;
    if (!resource) return errorResponse(404, 'Resource not found');
    return { status: 200, headers: {}, json: apiDeclaration(resource, host) };
  }
}
