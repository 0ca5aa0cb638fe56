import { describe, expect, it } from 'vitest';
import type { AriEventType } from '../../engine/ari/models.js';
import { ARI_RESOURCES } from './resources/index.js';
import { apiDeclaration, resourceListing } from './swagger.js';
import { EVENT_MODELS } from './swagger-models.js';

interface Doc {
  swaggerVersion: string;
  basePath: string;
  resourcePath: string;
  apis: { path: string; operations: Record<string, unknown>[] }[];
  models: Record<string, { id: string; properties: Record<string, { type: string }> }>;
}

const PRIMITIVES = new Set(['string', 'int', 'long', 'double', 'boolean', 'Date', 'object', 'void', 'binary', 'containers']);
const docs = ARI_RESOURCES.map((r) => apiDeclaration(r, '127.0.0.1:8088') as Doc);

// Every event type of engine/ari/models.ts; a type missing here fails to compile.
const EVENT_TYPES: Record<AriEventType, true> = {
  StasisStart: true,
  StasisEnd: true,
  ChannelCreated: true,
  ChannelDestroyed: true,
  ChannelStateChange: true,
  ChannelVarset: true,
  ChannelDtmfReceived: true,
  ChannelHangupRequest: true,
  ChannelDialplan: true,
  ChannelEnteredBridge: true,
  ChannelLeftBridge: true,
  BridgeCreated: true,
  BridgeDestroyed: true,
  PlaybackStarted: true,
  PlaybackFinished: true,
  PlaybackContinuing: true,
  RecordingStarted: true,
  RecordingFinished: true,
  RecordingFailed: true,
  Dial: true,
  DeviceStateChanged: true,
};

function typeName(t: string): string {
  const m = /^List\[(.+)\]$/.exec(t);
  return m ? m[1] : t;
}

describe('Swagger documents', () => {
  it('lists every resource in resources.json with an absolute basePath', () => {
    const listing = resourceListing(ARI_RESOURCES, 'h:1') as { basePath: string; swaggerVersion: string; apis: { path: string }[] };
    expect(listing.swaggerVersion).toBe('1.1');
    expect(listing.basePath).toBe('http://h:1/ari');
    expect(listing.apis.map((a) => a.path)).toEqual(ARI_RESOURCES.map((r) => `/api-docs/${r.name}.{format}`));
  });

  it('declares each operation with nickname, httpMethod, responseClass and typed parameters', () => {
    for (const doc of docs) {
      expect(doc.swaggerVersion).toBe('1.1');
      expect(doc.basePath).toBe('http://127.0.0.1:8088/ari');
      expect(doc.resourcePath).toMatch(/^\/api-docs\/[a-z]+\.\{format\}$/);
      const nicknames = new Set<string>();
      for (const api of doc.apis) {
        const pathParams = [...api.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        for (const op of api.operations) {
          expect(typeof op.nickname).toBe('string');
          expect(nicknames.has(op.nickname as string), `duplicate nickname ${String(op.nickname)}`).toBe(false);
          nicknames.add(op.nickname as string);
          expect(['GET', 'POST', 'PUT', 'DELETE']).toContain(op.httpMethod);
          expect(typeof op.responseClass).toBe('string');
          const params = op.parameters as { name: string; paramType: string; dataType: string; allowMultiple: boolean; required: boolean }[];
          for (const p of params) {
            expect(['path', 'query', 'body']).toContain(p.paramType);
            expect(typeof p.dataType).toBe('string');
            expect(typeof p.allowMultiple).toBe('boolean');
          }
          // Every {placeholder} of the path is a required path parameter, and nothing more.
          expect(params.filter((p) => p.paramType === 'path').map((p) => p.name).sort()).toEqual([...pathParams].sort());
          expect(params.filter((p) => p.paramType === 'path').every((p) => p.required)).toBe(true);
        }
      }
    }
  });

  it('carries a model for every non-primitive type it mentions', () => {
    for (const doc of docs) {
      const mentioned = new Set<string>();
      for (const api of doc.apis) for (const op of api.operations) mentioned.add(typeName(op.responseClass as string));
      for (const m of Object.values(doc.models)) for (const p of Object.values(m.properties)) mentioned.add(typeName(p.type));
      for (const t of mentioned) {
        if (PRIMITIVES.has(t)) continue;
        expect(doc.models[t], `${doc.resourcePath} mentions ${t}`).toBeDefined();
      }
      for (const [name, m] of Object.entries(doc.models)) expect(m.id).toBe(name);
    }
  });

  it('declares in events.json every event type the model emits, plus ApplicationReplaced', () => {
    const events = docs.find((d) => d.resourcePath === '/api-docs/events.{format}');
    expect(events).toBeDefined();
    for (const type of [...Object.keys(EVENT_TYPES), 'ApplicationReplaced']) {
      const model = events?.models[type];
      expect(model, type).toBeDefined();
      expect(Object.keys(model?.properties ?? {})).toEqual(expect.arrayContaining(['type', 'application', 'timestamp', 'asterisk_id']));
    }
    expect(Object.keys(EVENT_MODELS).sort()).toEqual([...Object.keys(EVENT_TYPES), 'ApplicationReplaced'].sort());
  });

  it('types event properties with the resource models ari-client turns into objects', () => {
    expect(EVENT_MODELS.StasisStart.properties.channel.type).toBe('Channel');
    expect(EVENT_MODELS.PlaybackFinished.properties.playback.type).toBe('Playback');
    expect(EVENT_MODELS.RecordingFinished.properties.recording.type).toBe('LiveRecording');
    expect(EVENT_MODELS.ChannelEnteredBridge.properties.bridge.type).toBe('Bridge');
  });

  it('marks body and multi-valued parameters as ari-client expects', () => {
    const channels = docs.find((d) => d.resourcePath === '/api-docs/channels.{format}');
    const originate = channels?.apis.find((a) => a.path === '/channels')?.operations.find((o) => o.nickname === 'originate');
    const params = originate?.parameters as { name: string; paramType: string }[];
    expect(params.find((p) => p.name === 'variables')?.paramType).toBe('body');
    const play = channels?.apis.find((a) => a.path === '/channels/{channelId}/play')?.operations[0];
    const media = (play?.parameters as { name: string; allowMultiple: boolean }[]).find((p) => p.name === 'media');
    expect(media?.allowMultiple).toBe(true);
  });
});
