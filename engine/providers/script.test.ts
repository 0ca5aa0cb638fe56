import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScriptFile, normalizeUtterance, parseScript, replyForTurn, ScriptError } from './script.js';

let dir: string;
let root: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'script-test-'));
  root = join(dir, 'repo');
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(root, 'fixtures'), { recursive: true });
  writeFileSync(join(dir, 'scripts', 'near.wav'), 'x');
  writeFileSync(join(root, 'fixtures', 'far.wav'), 'x');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function parse(text: string) {
  return parseScript(text, { baseDir: join(dir, 'scripts'), rootDir: root, source: 'test.yaml' });
}

function errorOf(fn: () => unknown): ScriptError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScriptError);
    return err as ScriptError;
  }
  throw new Error('expected a ScriptError');
}

describe('parseScript', () => {
  it('reads every section, applies defaults and resolves audio next to the script or in the repo', () => {
    const script = parse(`
greeting: { audio: near.wav, text: Hello }
replies:
  1: { audio: fixtures/far.wav, text: One, expected_user_text: first question }
  2: { audio: near.wav }
default: { audio: near.wav, text: Sorry }
transcripts:
  "What are your HOURS?": { audio: near.wav, text: Nine to five }
on_dtmf:
  "#": { audio: near.wav, text: Hash }
`);
    expect(script.thinkMs).toBe(150);
    expect(script.chunkMs).toBe(200);
    expect(script.deliverySpeed).toBe(4);
    expect(script.greeting).toEqual({ audio: join(dir, 'scripts', 'near.wav'), text: 'Hello', key: 'greeting' });
    expect(script.transcripts.get('what are your hours')?.key).toBe('transcripts."What are your HOURS?"');
    expect(script.replies.get(1)?.audio).toBe(join(root, 'fixtures', 'far.wav'));
    expect(script.replies.get(1)?.expected_user_text).toBe('first question');
    expect([...script.replies.keys()]).toEqual([1, 2]);
    expect(script.transcripts.get('what are your hours')?.text).toBe('Nine to five');
    expect(script.onDtmf.get('#')?.text).toBe('Hash');
  });

  it('takes explicit timing values', () => {
    const script = parse('think_ms: 0\nchunk_ms: 40\ndelivery_speed: 0\n');
    expect([script.thinkMs, script.chunkMs, script.deliverySpeed]).toEqual([0, 40, 0]);
  });

  it.each([
    ['greeting: { text: hi }', 'greeting.audio: Required'],
    ['replies:\n  1: { audio: missing.wav }', 'replies.1.audio: file not found'],
    ['replies:\n  0: { audio: near.wav }', 'replies.0: turn numbers are whole numbers from 1'],
    ['replies:\n  first: { audio: near.wav }', 'replies.first:'],
    ['replies:\n  1: { audio: near.wav, txt: typo }', 'replies.1.txt: unknown key'],
    ['think_ms: soon', 'think_ms: Expected number'],
    ['chunk_ms: 5', 'chunk_ms:'],
    ['on_dtmf:\n  "12": { audio: near.wav }', 'on_dtmf.12: must be one DTMF digit'],
    ['default: { audio: "" }', 'default.audio:'],
    ['greting: { audio: near.wav }', 'greting: unknown key'],
    ['transcripts:\n  "?!": { audio: near.wav }', 'transcripts."?!": has no words'],
  ])('names the key at fault: %s', (text, expected) => {
    const err = errorOf(() => parse(text));
    expect(err.code).toBe('SCRIPT_INVALID');
    expect(err.message).toContain('test.yaml: ');
    expect(err.message).toContain(expected);
  });

  it('reports invalid YAML with its own code', () => {
    expect(errorOf(() => parse('greeting: [unclosed')).code).toBe('SCRIPT_YAML');
  });

  it('lists every problem at once', () => {
    const err = errorOf(() => parse('greeting: { audio: a.wav }\ndefault: { audio: b.wav }'));
    expect(err.message).toContain('greeting.audio');
    expect(err.message).toContain('default.audio');
  });
});

describe('loadScriptFile', () => {
  it('resolves audio against the file’s folder', () => {
    const path = join(dir, 'scripts', 'ok.yaml');
    writeFileSync(path, 'greeting: { audio: near.wav }\n');
    expect(loadScriptFile(path, root).source).toBe(path);
    expect(loadScriptFile(path, root).greeting?.audio).toBe(join(dir, 'scripts', 'near.wav'));
  });

  it('fails with SCRIPT_NOT_FOUND naming the path', () => {
    const err = errorOf(() => loadScriptFile(join(dir, 'nope.yaml')));
    expect(err.code).toBe('SCRIPT_NOT_FOUND');
    expect(err.message).toContain('nope.yaml');
  });
});

describe('replyForTurn', () => {
  const script = () =>
    parse(`
replies:
  1: { audio: near.wav, text: one }
  2: { audio: near.wav, text: two }
default: { audio: near.wav, text: fallback }
transcripts:
  "opening hours": { audio: near.wav, text: hours }
`);

  it('prefers a known utterance, then the turn number, then the default', () => {
    const s = script();
    expect(replyForTurn(s, 1, 'Opening hours?')?.text).toBe('hours');
    expect(replyForTurn(s, 1, 'something else')?.text).toBe('one');
    expect(replyForTurn(s, 2)?.text).toBe('two');
    expect(replyForTurn(s, 3)?.text).toBe('fallback');
  });

  it('returns nothing when the script has no reply for the turn', () => {
    const s = parse('replies:\n  1: { audio: near.wav }');
    expect(replyForTurn(s, 2)).toBeUndefined();
  });
});

describe('normalizeUtterance', () => {
  it('ignores case, punctuation and spacing', () => {
    expect(normalizeUtterance('  What are   your hours? ')).toBe('what are your hours');
    expect(normalizeUtterance("I'd like, um, a table.")).toBe("i'd like um a table");
  });
});
