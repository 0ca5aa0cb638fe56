/**
 * /asterisk: system information and module details, enough for connection checks and the
 * engine's doctor.
 */
import { AriError } from '../../core/api.js';
import { ok, pathParam, query, type OperationSpec, type ResourceSpec } from '../spec.js';

const INFO_SECTIONS = ['build', 'system', 'config', 'status'];

const getInfo: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'getInfo',
  summary: 'Gets Asterisk system information.',
  responseClass: 'AsteriskInfo',
  parameters: [query('only', 'string', 'Filter information returned', { allowMultiple: true, allowableValues: INFO_SECTIONS })],
  handle: ({ pbx, params }) => {
    const info = pbx.info() as unknown as Record<string, unknown>;
    const only = params.list('only');
    if (only.length === 0) return ok(info);
    // Like Asterisk, unknown section names are ignored rather than rejected.
    return ok(Object.fromEntries(Object.entries(info).filter(([k]) => only.includes(k))));
  },
};

const listModules: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'listModules',
  summary: 'List Asterisk modules.',
  responseClass: 'List[Module]',
  parameters: [],
  handle: ({ pbx }) => {
    if (!pbx.listModules) throw new AriError(501, 'Method not implemented');
    return ok(pbx.listModules());
  },
};

const getModule: OperationSpec = {
  httpMethod: 'GET',
  nickname: 'getModule',
  summary: 'Get Asterisk module information.',
  responseClass: 'Module',
  parameters: [pathParam('moduleName', "Module's name")],
  errorResponses: [
    { code: 404, reason: 'Module could not be found in running modules.' },
    { code: 409, reason: 'Module information could not be retrieved.' },
  ],
  handle: ({ pbx, path }) => ok(pbx.getModule(path.moduleName)),
};

export const asteriskResource: ResourceSpec = {
  name: 'asterisk',
  description: 'Asterisk resources',
  models: ['AsteriskInfo', 'BuildInfo', 'SystemInfo', 'ConfigInfo', 'SetId', 'StatusInfo', 'Module'],
  apis: [
    { path: '/asterisk/info', description: 'Asterisk system information (similar to core show settings)', operations: [getInfo] },
    { path: '/asterisk/modules', description: 'Asterisk modules', operations: [listModules] },
    { path: '/asterisk/modules/{moduleName}', description: 'Asterisk module', operations: [getModule] },
  ],
};
