/**
 * docs/snippets against what the project runs: the dialplan snippets must hold the same
 * contexts as asterisk-docker/extensions.conf (the file the test PBX and the simulator run), and
 * parse with the simulator's dialplan parser; the host-PBX compose override must undo exactly
 * the container-network settings of docker-compose.yml.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';
import { parseExtensions } from '../simulator/dialplan/parse.js';

const ROOT = new URL('..', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

const SHARED_CONTEXTS = ['ai-voice-agent', 'ai-audiosocket', 'ai-doctor'];

/** The statements of each [context], comments and blank lines left out. */
function contexts(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*(;|$)/.test(line)) continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      current = out.get(header[1]) ?? [];
      out.set(header[1], current);
    } else {
      current?.push(line);
    }
  }
  return out;
}

const reference = contexts(read('asterisk-docker/extensions.conf'));

describe.each(['extensions_ai.conf', 'extensions_custom.conf'])('docs/snippets/%s', (name) => {
  const text = read(`docs/snippets/${name}`);

  it('holds the same contexts as asterisk-docker/extensions.conf', () => {
    const mine = contexts(text);
    for (const ctx of SHARED_CONTEXTS) {
      expect(reference.get(ctx), `${ctx} in asterisk-docker/extensions.conf`).toBeDefined();
      expect(mine.get(ctx), `[${ctx}] in ${name}`).toEqual(reference.get(ctx));
    }
  });

  it('parses with the simulator dialplan parser, reaching Stasis() of asterisk-ai-voice-agent unless AI_AGENT_APP names another app', () => {
    const dialplan = parseExtensions(text, name);
    for (const ctx of SHARED_CONTEXTS) expect([...dialplan.contexts.keys()]).toContain(ctx);
    const apps = [1, 2, 3].map((p) => dialplan.find('ai-voice-agent', 's', p)).map((s) => s && `${s.app}(${s.appData})`);
    expect(apps).toEqual(['NoOp(ai-voice-agent: ${CHANNEL} uniqueid ${UNIQUEID} enters the AI agent)', 'Answer()', 'Stasis(${IF(${ISNULL(${AI_AGENT_APP})}?asterisk-ai-voice-agent:${AI_AGENT_APP})})']);
  });
});

it('the FreePBX test extension leads into [ai-voice-agent]', () => {
  const dialplan = parseExtensions(read('docs/snippets/extensions_custom.conf'), 'extensions_custom.conf');
  const step = dialplan.find('from-internal-custom', '7700', 1);
  expect(step && `${step.app}(${step.appData})`).toBe('Goto(ai-voice-agent,s,1)');
});

describe('docs/snippets/docker-compose.host-pbx.yml', () => {
  // The Compose-specific tags, kept as markers so the test can see what they apply to.
  const customTags: Tags = ['!reset', '!override'].flatMap((tag) => [
    { tag, collection: 'map' as const, resolve: (v: { toJSON(): unknown }) => ({ [tag]: v.toJSON() }) },
    { tag, collection: 'seq' as const, resolve: (v: { toJSON(): unknown }) => ({ [tag]: v.toJSON() }) },
  ]);
  const override = parse(read('docs/snippets/docker-compose.host-pbx.yml'), { customTags }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const base = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Record<string, unknown>> };

  it('keeps the test PBX off and puts the engine on the host network, publishing nothing', () => {
    expect(override.services.asterisk).toEqual({ profiles: ['dev-pbx'] });
    const engine = override.services['ai-engine'];
    expect(engine.network_mode).toBe('host');
    expect(JSON.stringify(engine.ports)).toBe('{"!reset":[]}');
    expect(JSON.stringify(engine.depends_on)).toBe('{"!reset":{}}');
  });

  it('drops every container-network variable and keeps the config and media paths', () => {
    const env = (override.services['ai-engine'].environment as { '!override': Record<string, string> })['!override'];
    const baseEnv = base.services['ai-engine'].environment as Record<string, string>;
    expect(env).toEqual({ MEDIA_DIR: baseEnv.MEDIA_DIR });
    const volumes = (override.services['ai-engine'].volumes as { '!override': string[] })['!override'];
    expect(volumes).toEqual(['./config:/app/config:ro', '/mnt/asterisk_media:/mnt/asterisk_media']);
  });
});
