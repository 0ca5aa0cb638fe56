/** docs/simulator.md must mention every route the simulator serves, so it cannot fall behind. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROL_ROUTES } from './control.js';
import { ARI_RESOURCES } from './resources/index.js';

const doc = readFileSync(new URL('../../docs/simulator.md', import.meta.url), 'utf8');

describe('docs/simulator.md', () => {
  it('lists every ARI operation', () => {
    for (const resource of ARI_RESOURCES) {
      for (const api of resource.apis) {
        if (resource.name === 'events') continue;
        for (const op of api.operations) expect(doc, `${op.httpMethod} /ari${api.path}`).toContain(`${op.httpMethod} /ari${api.path}`);
      }
    }
    expect(doc).toContain('GET /ari/events');
  });

  it('lists every control route', () => {
    for (const route of CONTROL_ROUTES) expect(doc, route).toContain(route);
  });
});
