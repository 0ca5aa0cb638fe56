/** The names of the doctor's rows, in the order they are printed. Stable: tests and scripts match them. */
export const CHECK = {
  ariReachable: 'ARI reachable',
  ariCredentials: 'ARI credentials',
  events: 'ARI events WebSocket',
  engineApp: 'engine app',
  module: (name: string) => `module ${name}`,
  version: 'Asterisk version',
  mediaDir: 'media dir',
  tmpfs: 'media dir tmpfs',
  playback: 'media playback',
  listener: 'AudioSocket listener',
  externalMedia: 'AudioSocket externalMedia',
  leftovers: 'nothing left behind',
} as const;
