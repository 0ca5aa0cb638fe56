#!/bin/bash
# Entrypoint of the project's Asterisk image.
#
#   entrypoint.sh --check     only verify version and modules (run at build time too)
#   entrypoint.sh CMD...      install this repo's configs, verify, link the media dir, exec CMD
#
# It fails loudly, before Asterisk starts, when something the engine relies on is missing,
# instead of letting the first call fail with "No application 'AudioSocket'" or a 404 on ARI.
set -euo pipefail

MODULES_DIR="${ASTERISK_MODULES_DIR:-/usr/lib/asterisk/modules}"
# The configs this repo ships, baked outside /etc/asterisk: the base image declares
# /etc/asterisk a VOLUME, and compose keeps anonymous volumes across container re-creation,
# so configs copied there at build time would go stale after a rebuild. Copying at every
# start makes the image's configs the ones that run.
CONF_SOURCE="${AI_CONF_SOURCE:-/opt/ai-voice-agent/asterisk-conf}"
CONF_DIR="${ASTERISK_CONF_DIR:-/etc/asterisk}"
# The engine writes agent audio into the shared media volume at /mnt/asterisk_media/ai-generated
# and asks Asterisk to play `sound:ai-generated/<name>`; Asterisk resolves that under its sounds dir.
MEDIA_DIR="${AI_MEDIA_DIR:-/mnt/asterisk_media/ai-generated}"
SOUNDS_LINK="${AI_SOUNDS_LINK:-/var/lib/asterisk/sounds/ai-generated}"

# AudioSocket app and channel (and the library both use), ARI and what ARI needs to work.
REQUIRED_MODULES=(
  res_audiosocket app_audiosocket chan_audiosocket
  res_ari res_ari_channels res_ari_bridges res_ari_playbacks res_ari_events
  res_stasis res_stasis_snoop res_stasis_playback app_stasis res_http_websocket
)

# ARI credentials, the same variables the engine reads (compose passes them from .env). When a
# password is given, the user sections of the installed ari.conf are replaced by this one user,
# so the engine and this PBX cannot disagree. Empty counts as unset, as for the engine.
ARI_USERNAME="${ASTERISK_ARI_USERNAME:-}"
ARI_PASSWORD="${ASTERISK_ARI_PASSWORD:-}"

log() { printf 'ai-entrypoint: %s\n' "$*" >&2; }
die() { printf 'ai-entrypoint: FATAL: %s\n' "$*" >&2; exit 1; }

check_modules() {
  [[ -d "$MODULES_DIR" ]] || die "modules dir $MODULES_DIR does not exist (set ASTERISK_MODULES_DIR)"
  local missing=() m
  for m in "${REQUIRED_MODULES[@]}"; do
    [[ -f "$MODULES_DIR/$m.so" ]] || missing+=("$m.so")
  done
  if ((${#missing[@]} > 0)); then
    die "missing in $MODULES_DIR: ${missing[*]}. This Asterisk build cannot run the AI agent; use an image built with them (ASTERISK_IMAGE build argument)."
  fi
  log "modules present: ${REQUIRED_MODULES[*]}"
}

# AudioSocket message kinds 0x11-0x18 (slin12..slin192) were merged on 2025-10-17
# (asterisk/asterisk PR #1492) and first released in 20.17.0, 22.7.0 and 23.1.0.
# 21.x reached end of life before that and is refused.
check_version() {
  local line version major minor
  line=$(asterisk -V 2>/dev/null) || die "cannot run 'asterisk -V'"
  version=${line#Asterisk }
  [[ "$version" =~ ^([0-9]+)\.([0-9]+) ]] || die "cannot read the version from '$line'"
  major=${BASH_REMATCH[1]}
  minor=${BASH_REMATCH[2]}
  if ((major == 20 && minor >= 17)) || ((major == 22 && minor >= 7)) || ((major == 23 && minor >= 1)) || ((major >= 24)); then
    log "Asterisk $version has the multi-rate AudioSocket kinds"
  else
    die "Asterisk $version lacks the multi-rate AudioSocket kinds (0x11-0x18); need 20.17+, 22.7+ or 23.1+"
  fi
}

install_configs() {
  [[ -d "$CONF_SOURCE" ]] || die "config source $CONF_SOURCE does not exist"
  cp -f "$CONF_SOURCE"/*.conf "$CONF_DIR"/
  log "installed $(cd "$CONF_SOURCE" && echo *.conf) into $CONF_DIR"
}

set_ari_user() {
  [[ -n "$ARI_PASSWORD" ]] || return 0
  local user="${ARI_USERNAME:-asterisk}" conf="$CONF_DIR/ari.conf" password
  [[ "$user" =~ ^[A-Za-z0-9_.-]+$ ]] || die "ASTERISK_ARI_USERNAME may only hold letters, digits, '_', '.' and '-'"
  [[ "$ARI_PASSWORD" != *$'\n'* ]] || die "ASTERISK_ARI_PASSWORD must be one line"
  # ';' starts a comment in Asterisk config files unless escaped.
  password=${ARI_PASSWORD//;/\\;}
  # Keep [general] and comments; drop every section holding `type = user`.
  awk '
    function flush() { if (!is_user) printf "%s", buf; buf = "" }
    /^[[:space:]]*\[/ { flush(); is_user = 0 }
    { buf = buf $0 ORS }
    /^[[:space:]]*type[[:space:]]*=[[:space:]]*user[[:space:]]*(;.*)?$/ { is_user = 1 }
    END { flush() }
  ' "$conf" >"$conf.new"
  printf '\n; ARI user from ASTERISK_ARI_USERNAME / ASTERISK_ARI_PASSWORD (ai-entrypoint.sh)\n[%s]\ntype = user\nread_only = no\npassword = %s\npassword_format = plain\n' \
    "$user" "$password" >>"$conf.new"
  chmod 0640 "$conf.new"
  chown root:asterisk "$conf.new" 2>/dev/null || true
  mv -f "$conf.new" "$conf"
  log "ARI user '$user' set from the environment (password not shown)"
}

# Points Asterisk's sounds/ai-generated at the shared media volume. The engine creates the
# directory itself (it owns the volume); until it does, the link dangles and playbacks of
# ai-generated files fail as "does not exist", which is the honest answer.
link_media() {
  if [[ -e "$SOUNDS_LINK" && ! -L "$SOUNDS_LINK" ]]; then
    log "replacing $SOUNDS_LINK (not a link) with a link to $MEDIA_DIR"
    rm -rf "$SOUNDS_LINK"
  fi
  mkdir -p "$(dirname "$SOUNDS_LINK")"
  ln -sfn "$MEDIA_DIR" "$SOUNDS_LINK"
  log "$SOUNDS_LINK -> $MEDIA_DIR"
}

main() {
  if [[ "${1:-}" == '--check' ]]; then
    check_version
    check_modules
    return 0
  fi
  (($# > 0)) || die "no command given (the image's CMD runs asterisk in the foreground)"
  install_configs
  set_ari_user
  check_version
  check_modules
  link_media
  exec "$@"
}

main "$@"
