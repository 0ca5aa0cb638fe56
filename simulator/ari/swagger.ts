/**
 * The Swagger 1.1 documents under /ari/api-docs, generated from the same ResourceSpec tables
 * the router serves, so a client built from the docs calls exactly what exists.
 *
 * `basePath` must be absolute: Asterisk builds it from the request's Host header as
 * `http://<host>/ari`, and ari-client never settles when it is relative.
 */
import type { ParamSpec, ResourceSpec } from './spec.js';
import { DATA_MODELS, EVENT_BASE_MODELS, EVENT_MODELS, type SwaggerModel } from './swagger-models.js';

/** The simulator's ARI document version. Clients store it; none depends on it. */
export const API_VERSION = '10.0.0-sim';

const ALL_MODELS: Record<string, SwaggerModel> = { ...DATA_MODELS, ...EVENT_BASE_MODELS, ...EVENT_MODELS };

export function basePathFor(host: string | undefined): string {
  return `http://${host && host.length > 0 ? host : '127.0.0.1'}/ari`;
}

export function resourceListing(resources: readonly ResourceSpec[], host: string | undefined): unknown {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath: basePathFor(host),
    apis: resources.map((r) => ({ path: `/api-docs/${r.name}.{format}`, description: r.description })),
  };
}

function parameterDoc(param: ParamSpec): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: param.name,
    description: param.description,
    paramType: param.paramType,
    required: param.required ?? false,
    allowMultiple: param.allowMultiple ?? false,
    dataType: param.dataType,
  };
  if (param.defaultValue !== undefined) doc.defaultValue = param.defaultValue;
  if (param.allowableValues) doc.allowableValues = { valueType: 'LIST', values: param.allowableValues };
  return doc;
}

export function apiDeclaration(resource: ResourceSpec, host: string | undefined): unknown {
  const models: Record<string, SwaggerModel> = {};
  for (const name of resource.models) {
    const m = ALL_MODELS[name];
    if (!m) throw new Error(`resource ${resource.name} names unknown model ${name}`);
    models[name] = m;
  }
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath: basePathFor(host),
    resourcePath: `/api-docs/${resource.name}.{format}`,
    apis: resource.apis.map((api) => ({
      path: api.path,
      description: api.description,
      operations: api.operations.map((op) => ({
        httpMethod: op.httpMethod,
        ...(api.websocket ? { upgrade: 'websocket', websocketProtocol: 'ari' } : {}),
        summary: op.summary,
        nickname: op.nickname,
        responseClass: op.responseClass,
        parameters: op.parameters.map(parameterDoc),
        ...(op.errorResponses ? { errorResponses: op.errorResponses } : {}),
      })),
    })),
    models,
  };
}
