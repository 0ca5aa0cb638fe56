/** The target named by E2E_TARGET (default sim), loaded only when chosen (docker pulls testcontainers). */
import type { Target, TargetName } from './target.js';

export function targetName(env: NodeJS.ProcessEnv = process.env): TargetName {
  const name = (env.E2E_TARGET ?? '').trim() || 'sim';
  if (name !== 'sim' && name !== 'external' && name !== 'docker') {
    throw new Error(`E2E_TARGET=${name}: expected sim, external or docker`);
  }
  return name;
}

export async function createTarget(name: TargetName): Promise<Target> {
  switch (name) {
    case 'sim':
      return new (await import('./sim.js')).SimTarget();
    case 'external':
      return new (await import('./external.js')).ExternalTarget();
    case 'docker':
      return new (await import('./docker.js')).DockerTarget();
  }
}
