/**
 * The shape of the ARI operations this simulator serves. One declaration per operation drives
 * both the HTTP router and the Swagger 1.1 documents, so the docs cannot drift from what the
 * server actually does.
 */
import type { Pbx } from '../core/api.js';
import type { Params } from './params.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ParamSpec {
  name: string;
  paramType: 'path' | 'query' | 'body';
  dataType: string;
  description: string;
  required?: boolean;
  allowMultiple?: boolean;
  defaultValue?: string | number | boolean;
  allowableValues?: string[];
  /**
   * Message of the 400 answered when a required parameter is missing or empty: Asterisk's own
   * wording where its resource code has one.
   */
  missingMessage?: string;
}

export interface OperationRequest {
  pbx: Pbx;
  params: Params;
  path: Record<string, string>;
}

export type OperationResult =
  | { status: 200; json: unknown }
  | { status: 201; json: unknown; location: string }
  | { status: 204 }
  | { status: 200; file: { path: string; contentType: string } };

export interface OperationSpec {
  httpMethod: HttpMethod;
  nickname: string;
  summary: string;
  responseClass: string;
  parameters: ParamSpec[];
  errorResponses?: { code: number; reason: string }[];
  /** May be async: some answers wait for the model (externalMedia waits for its TCP connect). */
  handle(req: OperationRequest): OperationResult | Promise<OperationResult>;
}

export interface ApiSpec {
  /** Swagger path, e.g. `/channels/{channelId}/play`. */
  path: string;
  description: string;
  operations: OperationSpec[];
  /** The events WebSocket is declared like Asterisk declares it, but served by the upgrade handler. */
  websocket?: boolean;
}

export interface ResourceSpec {
  /** Last segment of `/api-docs/<name>.{format}`: ari-client names the resource after it. */
  name: string;
  description: string;
  apis: ApiSpec[];
  /** Names of the models (see swagger-models.ts) this resource document carries. */
  models: string[];
}

export const ok = (json: unknown): OperationResult => ({ status: 200, json });
export const created = (json: unknown, location: string): OperationResult => ({ status: 201, json, location });
export const noContent = (): OperationResult => ({ status: 204 });

/** Shorthands that keep the resource tables readable. */
export const pathParam = (name: string, description: string): ParamSpec => ({
  name,
  paramType: 'path',
  dataType: 'string',
  description,
  required: true,
});

export const query = (name: string, dataType: string, description: string, extra: Partial<ParamSpec> = {}): ParamSpec => ({
  name,
  paramType: 'query',
  dataType,
  description,
  ...extra,
});

export const variablesBody = (description: string): ParamSpec => ({
  name: 'variables',
  paramType: 'body',
  dataType: 'containers',
  description,
});
