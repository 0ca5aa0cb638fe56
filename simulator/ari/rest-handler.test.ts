import { describe, expect, it } from 'vitest';
import { ARI_RESOURCES } from './resources/index.js';
import { RestHandler, type RestRequest } from './rest-handler.js';
import { FakePbx, fakeChannel } from './test-support/fake-pbx.js';

const creds = { username: 'asterisk', password: 'asterisk' };
const auth = `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}`;

function setup() {
  const pbx = new FakePbx();
  const errors: unknown[] = [];
  const handler = new RestHandler({ pbx, credentials: creds, resources: ARI_RESOURCES, onInternalError: (e) => errors.push(e) });
  const call = (method: string, url: string, body?: unknown, extra: Partial<RestRequest['headers']> = {}) =>
    handler.handle({
      method,
      url,
      headers: {
        host: '127.0.0.1:8088',
        authorization: auth,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...extra,
      },
      body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    });
  return { pbx, call, errors };
}

describe('RestHandler: authentication', async () => {
  it('answers 401 with Asterisk\'s body and challenge when credentials are missing or wrong', async () => {
    const { call } = setup();
    for (const r of [
      (await call('GET', '/ari/channels', undefined, { authorization: undefined })),
      (await call('GET', '/ari/channels?api_key=asterisk:wrong', undefined, { authorization: undefined })),
      (await call('GET', '/ari/api-docs/resources.json', undefined, { authorization: undefined })),
      (await call('GET', '/ari/no/such/path', undefined, { authorization: undefined })),
    ]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ message: 'Authentication required' });
      expect(r.headers['WWW-Authenticate']).toBe('Basic realm="Asterisk REST Interface"');
    }
  });

  it('accepts ?api_key=user:password', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/channels?api_key=asterisk:asterisk', undefined, { authorization: undefined })).status).toBe(200);
  });
});

describe('RestHandler: routing errors', async () => {
  it('answers 404 "Resource not found" for unknown paths and 405 with Allow for wrong methods', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/nothing'))).toMatchObject({ status: 404, json: { message: 'Resource not found' } });
    expect((await call('PUT', '/ari/channels'))).toMatchObject({
      status: 405,
      json: { message: 'Invalid method' },
      headers: { Allow: 'OPTIONS,GET,POST' },
    });
    expect((await call('OPTIONS', '/ari/channels/x'))).toMatchObject({ status: 204, headers: { Allow: 'OPTIONS,GET,POST,DELETE' } });
  });

  it('answers 404 with a hint for a trailing slash, as res_ari does', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/channels/'))).toMatchObject({
      status: 404,
      json: { message: 'ARI URLs do not end with a slash. Try /ari/channels' },
    });
  });

  it('answers 400 for a malformed JSON body', async () => {
    const { call } = setup();
    expect((await call('POST', '/ari/channels', '{oops'))).toMatchObject({ status: 400, json: { message: 'Error parsing request body' } });
  });

  it('turns a model failure that is not an AriError into a logged 500', async () => {
    const { pbx, call, errors } = setup();
    pbx.listChannels = () => {
      throw new Error('boom');
    };
    expect((await call('GET', '/ari/channels'))).toMatchObject({ status: 500, json: { message: 'Internal Server Error' } });
    expect(errors).toHaveLength(1);
  });
});

describe('RestHandler: channels', async () => {
  it('originates with query params and honours client-chosen ids (200, Channel body)', async () => {
    const { pbx, call } = setup();
    const r = (await call('POST', '/ari/channels?endpoint=Local%2Fs%40caller&app=ai&channelId=c1&otherChannelId=c2&timeout=10&formats=slin'));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 'c1', state: 'Down' });
    expect(pbx.callsTo('originate')[0][0]).toMatchObject({
      endpoint: 'Local/s@caller',
      app: 'ai',
      channelId: 'c1',
      otherChannelId: 'c2',
      timeout: 10,
      formats: 'slin',
    });
  });

  it('originates with params and variables in a JSON body', async () => {
    const { pbx, call } = setup();
    const r = (await call('POST', '/ari/channels?app=ai', {
      endpoint: 'Local/uuid@ai-voice-agent',
      priority: 2,
      variables: { AUDIOSOCKET_UUID: '058847c2-0575-481c-afbe-41275af91236' },
    }));
    expect(r.status).toBe(200);
    expect(pbx.callsTo('originate')[0][0]).toMatchObject({
      endpoint: 'Local/uuid@ai-voice-agent',
      priority: 2,
      variables: { AUDIOSOCKET_UUID: '058847c2-0575-481c-afbe-41275af91236' },
    });
  });

  it('originates with the id in the path (originateWithId)', async () => {
    const { pbx, call } = setup();
    expect((await call('POST', '/ari/channels/my-id?endpoint=Local/s@x&extension=s&context=x')).status).toBe(200);
    expect(pbx.callsTo('originate')[0][0]).toMatchObject({ channelId: 'my-id', extension: 's', context: 'x' });
  });

  it('rejects originate without endpoint, with a bad endpoint, or without app or extension', async () => {
    const { pbx, call } = setup();
    expect((await call('POST', '/ari/channels?app=ai'))).toMatchObject({ status: 400, json: { message: 'Endpoint must be specified' } });
    expect((await call('POST', '/ari/channels?endpoint=Local&app=ai'))).toMatchObject({ status: 400, json: { message: 'Invalid endpoint specified' } });
    expect((await call('POST', '/ari/channels?endpoint=Local/s@x'))).toMatchObject({
      status: 400,
      json: { message: 'Application or extension must be specified' },
    });
    expect((await call('POST', '/ari/channels?app=ai', { endpoint: 'Local/s@x', variables: { A: 1 } }))).toMatchObject({
      status: 400,
      json: { message: "Only string values in the 'variables' object allowed" },
    });
    expect(pbx.callsTo('originate')).toEqual([]);
  });

  it('passes the model\'s AriError through as status and message', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/channels/missing'))).toMatchObject({ status: 404, json: { message: 'Channel not found' } });
    (await call('POST', '/ari/channels?endpoint=Local/s@x&app=ai&channelId=dup'));
    expect((await call('POST', '/ari/channels?endpoint=Local/s@x&app=ai&channelId=dup'))).toMatchObject({
      status: 409,
      json: { message: 'Channel with given unique ID already exists' },
    });
  });

  it('hangs up with 204, checks the channel before the reason, and rejects unknown reasons', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    expect((await call('DELETE', '/ari/channels/nope?reason=bogus'))).toMatchObject({ status: 404 });
    expect((await call('DELETE', '/ari/channels/c1?reason=bogus'))).toMatchObject({
      status: 400,
      json: { message: 'Invalid reason for hangup provided' },
    });
    const r = (await call('DELETE', '/ari/channels/c1?reason=busy'));
    expect(r.status).toBe(204);
    expect(r.json).toBeUndefined();
    expect(pbx.callsTo('hangup')).toEqual([['c1', 'busy']]);
  });

  it('answers, continues and sets variables with 204; gets variables as {value}', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    expect((await call('POST', '/ari/channels/c1/answer')).status).toBe(204);
    expect((await call('POST', '/ari/channels/c1/continue?context=audiosocket-snoop&extension=s&priority=1')).status).toBe(204);
    expect(pbx.callsTo('continueInDialplan')).toEqual([['c1', { context: 'audiosocket-snoop', extension: 's', priority: 1, label: undefined }]]);
    expect((await call('POST', '/ari/channels/c1/variable?variable=AUDIOSOCKET_UUID&value=u-1')).status).toBe(204);
    expect((await call('GET', '/ari/channels/c1/variable?variable=AUDIOSOCKET_UUID'))).toMatchObject({ status: 200, json: { value: 'u-1' } });
    expect((await call('GET', '/ari/channels/c1/variable'))).toMatchObject({ status: 400, json: { message: 'Variable name is required' } });
  });

  it('plays with 201, a Location header, and media from commas or repeats', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    const r = (await call('POST', '/ari/channels/c1/play?media=sound:a,sound:b&media=sound:c&playbackId=pb1&lang=en'));
    expect(r.status).toBe(201);
    expect(r.headers.Location).toBe('/playbacks/pb1');
    expect(r.json).toMatchObject({ id: 'pb1', media_uri: 'sound:a', target_uri: 'channel:c1', state: 'queued' });
    expect(pbx.callsTo('play')[0][1]).toMatchObject({ media: ['sound:a', 'sound:b', 'sound:c'], playbackId: 'pb1', lang: 'en' });
    expect((await call('POST', '/ari/channels/c1/play/pb2?media=sound:x'))).toMatchObject({ status: 201, json: { id: 'pb2' } });
    expect((await call('POST', '/ari/channels/c1/play'))).toMatchObject({ status: 400, json: { message: "Required parameter 'media' not provided." } });
  });

  it('records with 201 and validates its options', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    const r = (await call('POST', '/ari/channels/c1/record?name=r1&format=wav&maxDurationSeconds=5&ifExists=overwrite&beep=yes'));
    expect(r).toMatchObject({ status: 201, headers: { Location: '/recordings/live/r1' }, json: { name: 'r1', state: 'queued' } });
    expect(pbx.callsTo('record')[0][1]).toMatchObject({ maxDurationSeconds: 5, ifExists: 'overwrite', beep: true });
    expect((await call('POST', '/ari/channels/c1/record?name=r&format=wav&maxDurationSeconds=-1')).json).toEqual({
      message: 'max_duration_seconds cannot be negative',
    });
    expect((await call('POST', '/ari/channels/c1/record?name=r&format=wav&ifExists=sometimes')).json).toEqual({ message: 'ifExists invalid' });
    expect((await call('POST', '/ari/channels/c1/record?name=r&format=wav&terminateOn=x')).json).toEqual({ message: 'terminateOn invalid' });
  });

  it('snoops with 200 and Asterisk\'s direction and app checks', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    const r = (await call('POST', '/ari/channels/c1/snoop?spy=both&app=ai&snoopId=s1'));
    expect(r).toMatchObject({ status: 200, json: { id: 's1' } });
    expect(pbx.callsTo('snoop')[0]).toEqual(['c1', { spy: 'both', whisper: 'none', app: 'ai', appArgs: undefined, snoopId: 's1' }]);
    expect((await call('POST', '/ari/channels/c1/snoop/s2?spy=in&whisper=out&app=ai')).json).toMatchObject({ id: 's2' });
    expect((await call('POST', '/ari/channels/c1/snoop?spy=sideways&app=ai')).json).toEqual({ message: 'Invalid direction specified for spy' });
    expect((await call('POST', '/ari/channels/c1/snoop?app=ai')).json).toEqual({ message: 'Direction must be specified for at least spy or whisper' });
    expect((await call('POST', '/ari/channels/c1/snoop?spy=in')).json).toEqual({ message: 'Application name is required' });
  });

  it('sends DTMF with 204 and requires the digits', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    expect((await call('POST', '/ari/channels/c1/dtmf?dtmf=12%23&duration=120&between=100')).status).toBe(204);
    expect(pbx.callsTo('sendDtmf')).toEqual([['c1', '12#', 120]]);
    expect((await call('POST', '/ari/channels/c1/dtmf')).json).toEqual({ message: 'DTMF is required' });
  });

  it('creates externalMedia channels (200) and checks parameters in Asterisk\'s order', async () => {
    const { pbx, call } = setup();
    const ok = (await call(
      'POST',
      '/ari/channels/externalMedia?app=ai&channelId=ext1&external_host=127.0.0.1:8090&encapsulation=audiosocket&transport=tcp&format=slin16&data=62aefd5a-9ac4-4827-94e2-82fea43523ae',
      { variables: { X: 'y' } },
    ));
    expect(ok).toMatchObject({ status: 200, json: { id: 'ext1' } });
    expect(pbx.callsTo('externalMedia')[0][0]).toMatchObject({
      app: 'ai',
      external_host: '127.0.0.1:8090',
      encapsulation: 'audiosocket',
      transport: 'tcp',
      connection_type: 'client',
      direction: 'both',
      format: 'slin16',
      variables: { X: 'y' },
    });
    const msg = async (url: string) => (await call('POST', url)).json;
    expect(await msg('/ari/channels/externalMedia?external_host=h:1&format=slin')).toEqual({ message: 'app cannot be empty' });
    expect(await msg('/ari/channels/externalMedia?app=a&format=slin')).toEqual({ message: 'external_host cannot be empty' });
    expect(await msg('/ari/channels/externalMedia?app=a&external_host=nohostport&format=slin')).toEqual({
      message: 'external_host must be <host>:<port>',
    });
    expect(await msg('/ari/channels/externalMedia?app=a&external_host=h:1')).toEqual({ message: 'format cannot be empty' });
    expect((await call('POST', '/ari/channels/externalMedia?app=a&external_host=h:1&format=slin&encapsulation=audiosocket&transport=tcp'))).toMatchObject({
      status: 400,
      json: { message: 'data can not be empty' },
    });
    expect((await call('POST', '/ari/channels/externalMedia?app=a&external_host=h:1&format=slin&encapsulation=rtp&transport=tcp'))).toMatchObject({
      status: 501,
      json: { message: 'The encapsulation and/or transport is not supported' },
    });
  });

  it('lists channels', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    expect((await call('GET', '/ari/channels'))).toMatchObject({ status: 200, json: [{ id: 'c1' }] });
  });
});

describe('RestHandler: bridges, playbacks, recordings, asterisk', async () => {
  it('creates bridges (200), adds and removes comma-separated channels (204), destroys (204)', async () => {
    const { pbx, call } = setup();
    expect((await call('POST', '/ari/bridges?type=mixing&bridgeId=b1'))).toMatchObject({ status: 200, json: { id: 'b1', bridge_type: 'mixing' } });
    expect((await call('POST', '/ari/bridges/b2?type=mixing&name=n'))).toMatchObject({ status: 200, json: { id: 'b2', name: 'n' } });
    expect((await call('POST', '/ari/bridges/b1/addChannel?channel=c1,c2')).status).toBe(204);
    expect(pbx.callsTo('addChannel')).toEqual([['b1', ['c1', 'c2']]]);
    expect((await call('POST', '/ari/bridges/b1/addChannel')).json).toEqual({ message: "Required parameter 'channel' not provided." });
    expect((await call('GET', '/ari/bridges/b1'))).toMatchObject({ status: 200, json: { channels: ['c1', 'c2'] } });
    expect((await call('POST', '/ari/bridges/b1/removeChannel?channel=c1')).status).toBe(204);
    expect((await call('POST', '/ari/bridges/b1/play?media=sound:x&playbackId=bp'))).toMatchObject({
      status: 201,
      headers: { Location: '/playbacks/bp' },
      json: { target_uri: 'bridge:b1' },
    });
    expect((await call('GET', '/ari/bridges'))).toMatchObject({ status: 200 });
    expect((await call('DELETE', '/ari/bridges/b1')).status).toBe(204);
    expect((await call('DELETE', '/ari/bridges/b1'))).toMatchObject({ status: 404, json: { message: 'Bridge not found' } });
  });

  it('gets and stops playbacks, then answers 404 "Playback not found"', async () => {
    const { pbx, call } = setup();
    pbx.channels.set('c1', fakeChannel('c1'));
    (await call('POST', '/ari/channels/c1/play?media=sound:a&playbackId=p1'));
    expect((await call('GET', '/ari/playbacks/p1'))).toMatchObject({ status: 200, json: { id: 'p1' } });
    expect((await call('DELETE', '/ari/playbacks/p1')).status).toBe(204);
    expect((await call('GET', '/ari/playbacks/p1'))).toMatchObject({ status: 404, json: { message: 'Playback not found' } });
  });

  it('serves stored recordings and their file', async () => {
    const { pbx, call } = setup();
    pbx.storedFile = { path: '/tmp/x.wav', contentType: 'audio/wav' };
    expect((await call('GET', '/ari/recordings/stored'))).toMatchObject({ status: 200, json: [{ name: 'stored' }] });
    expect((await call('GET', '/ari/recordings/stored/stored/file'))).toMatchObject({ status: 200, file: { contentType: 'audio/wav' } });
    expect((await call('GET', '/ari/recordings/stored/nope/file'))).toMatchObject({ status: 404 });
    expect((await call('DELETE', '/ari/recordings/stored/stored')).status).toBe(204);
    expect((await call('POST', '/ari/recordings/live/r1/stop')).status).toBe(204);
  });

  it('serves asterisk info (filtered by only=) and modules', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/asterisk/info'))).toMatchObject({ status: 200, json: { system: { version: '22.10.1' } } });
    const only = (await call('GET', '/ari/asterisk/info?only=system'));
    expect(Object.keys(only.json as object)).toEqual(['system']);
    expect((await call('GET', '/ari/asterisk/modules/res_ari.so'))).toMatchObject({ status: 200, json: { name: 'res_ari.so' } });
    expect((await call('GET', '/ari/asterisk/modules/nope'))).toMatchObject({ status: 404 });
    expect((await call('GET', '/ari/asterisk/modules'))).toMatchObject({ status: 200, json: [{ name: 'res_ari.so' }] });
  });

  it('answers 426 to a plain GET on the events WebSocket path', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/events?app=x'))).toMatchObject({ status: 426 });
  });
});

describe('RestHandler: api-docs', async () => {
  it('serves resources.json with an absolute basePath from the Host header', async () => {
    const { call } = setup();
    const r = (await call('GET', '/ari/api-docs/resources.json', undefined, { host: 'example.test:9999' }));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ swaggerVersion: '1.1', basePath: 'http://example.test:9999/ari' });
  });

  it('answers 404 for unknown docs and 405 for non-GET', async () => {
    const { call } = setup();
    expect((await call('GET', '/ari/api-docs/nope.json'))).toMatchObject({ status: 404, json: { message: 'Resource not found' } });
    expect((await call('POST', '/ari/api-docs/resources.json'))).toMatchObject({ status: 405, json: { message: 'Unsupported method' } });
  });
});
