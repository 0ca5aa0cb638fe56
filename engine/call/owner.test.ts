import { describe, expect, it } from 'vitest';
import { OWN_PREFIX, ownerTag, ownPrefix } from './owner.js';

describe('owner tag', () => {
  it('is six hex digits of the app name, the same on every run', () => {
    expect(ownerTag('asterisk-ai-voice-agent')).toMatch(/^[0-9a-f]{6}$/);
    // sha256("asterisk-ai-voice-agent") = 3e8310...: fixed, so a restart finds the ids of the run before.
    expect(ownerTag('asterisk-ai-voice-agent')).toBe('3e8310');
  });

  it('differs between apps, so engines on one Asterisk sweep only their own', () => {
    const apps = ['asterisk-ai-voice-agent', 'second-agent', 'agent-8k', 'agent-16k', 'staging'];
    expect(new Set(apps.map(ownerTag)).size).toBe(apps.length);
    for (const app of apps) {
      const prefix = ownPrefix(app);
      expect(prefix).toBe(`${OWN_PREFIX}${ownerTag(app)}-`);
      for (const other of apps) if (other !== app) expect(ownPrefix(other).startsWith(prefix)).toBe(false);
    }
  });
});
