/**
 * The one-line fixes the doctor prints, in one place so docs/deploy.md and the tests can follow
 * them. Each names the file, setting or command to change; nothing vague like "check your setup".
 */
import { dirname } from 'node:path';
import { multiRateReleases } from './version.js';

export const fixes = {
  ariUnreachable: () =>
    "start Asterisk, or point ari.url / ASTERISK_ARI_URL at its HTTP server (http.conf: enabled = yes, bindaddr, bindport = 8088; asterisk -rx 'http show status')",
  notAri: (ariUrl: string) =>
    `ari.url must be Asterisk's HTTP server with res_ari loaded: curl -u USER:PASSWORD ${ariUrl}/asterisk/info must answer 200`,
  credentials: (user: string) =>
    `make the password of [${user}] in ari.conf equal ASTERISK_ARI_PASSWORD (.env) or ari.password, then asterisk -rx 'module reload res_ari.so' (check: asterisk -rx 'ari show users')`,
  readOnly: (user: string) => `set read_only = no for [${user}] in ari.conf, then asterisk -rx 'module reload res_ari.so'`,
  events: () =>
    "load res_http_websocket.so and res_ari_events.so (modules.conf; asterisk -rx 'module show like websocket'); a proxy in front of Asterisk must pass WebSocket upgrades",
  module: (name: string) => `add "load = ${name}.so" to /etc/asterisk/modules.conf, then asterisk -rx 'module load ${name}.so'`,
  version: () => `upgrade Asterisk to ${multiRateReleases()}, or set audiosocket.format: slin (8 kHz) in the engine config`,
  mediaMissing: (dir: string) =>
    `create the media tmpfs (docs/deploy.md step 3: the /etc/fstab tmpfs line, mount ${dirname(dir)}), then mkdir -p ${dir} as the engine's user`,
  mediaNotWritable: (dir: string, uid: string) =>
    `make ${dir} writable by the engine's user (uid ${uid}): uid=/gid= of its tmpfs line in /etc/fstab (docs/deploy.md step 3), or chown`,
  notTmpfs: (dir: string) =>
    `mount a tmpfs on ${dirname(dir)}: "tmpfs ${dirname(dir)} tmpfs rw,nosuid,nodev,noexec,size=256m,uid=1000,gid=1000,mode=0755 0 0" in /etc/fstab (docs/deploy.md step 3)`,
  noDoctorContext: () =>
    "add the [ai-doctor] context (docs/snippets/extensions_ai.conf) to the dialplan, then asterisk -rx 'dialplan reload'",
  playbackFailed: (soundPrefix: string, dir: string) =>
    `Asterisk cannot see the media dir (PBX on another host? mount/ share the tmpfs at /var/lib/asterisk/sounds/${soundPrefix}): ln -sfn ${dir} /var/lib/asterisk/sounds/${soundPrefix}`,
  playbackSilent: () =>
    "make sure res_stasis_playback.so is loaded and watch the Asterisk log (asterisk -rvvv) while make doctor runs",
  listenerBusy: (host: string, port: number) =>
    `stop what holds ${host}:${port} (ss -ltnp 'sport = :${port}') or move the engine with audiosocket.port / AUDIOSOCKET_PORT`,
  listenerPrivileged: (port: number) => `audiosocket.port ${port} needs root: use a port above 1023 (audiosocket.port / AUDIOSOCKET_PORT)`,
  listenerAddress: (host: string) =>
    `audiosocket.host / AUDIOSOCKET_HOST (${host}) must be an address of this machine, or 0.0.0.0 with audiosocket.advertise_host set`,
  audiosocketUnreachable: (addr: string, port: number) =>
    `Asterisk cannot reach ${addr}: set audiosocket.advertise_host / AUDIOSOCKET_ADVERTISE_HOST to an address of this machine the PBX can reach, and allow TCP ${port} from the PBX in the firewall`,
  audiosocketModules: () => `load chan_audiosocket.so and res_audiosocket.so (modules.conf) on ${multiRateReleases()}`,
  noFrames: () => "load codec_resample.so (modules.conf) and read chan_audiosocket's errors in the Asterisk log (asterisk -rvvv)",
  slowRate: () => `upgrade Asterisk to ${multiRateReleases()} for 16 kHz AudioSocket frames, or set audiosocket.format: slin`,
  leftovers: (ariUrl: string, id: string) => `hang it up: curl -u USER:PASSWORD -X DELETE ${ariUrl}/channels/${id} (and delete any aiav-doctor-* file in the media dir)`,
};
