#!/usr/bin/env bash
# Returns the server to the commit the last deploy replaced, rebuilds and restarts the engine,
# and waits until /ready answers 200.
#
#   SERVER=user@host REPO_PATH=/srv/asterisk-ai-voice-agent scripts/rollback.sh
#
# The commit comes from .git/ai-deploy-previous on the server, written by scripts/deploy.sh.
# The clone is left on a detached HEAD at that commit; the next deploy checks the branch out
# again. Same settings as deploy.sh (SSH, COMPOSE, ENGINE_SERVICE, READY_URL, READY_ATTEMPTS,
# READY_INTERVAL, LOG_LINES); BRANCH is not used.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=deploy.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy.sh"

checkout_previous() {
  log "returning $REPO_PATH on $SERVER to the commit before the last deploy"
  remote "$(remote_prologue)
file=$PREVIOUS_COMMIT_FILE
if [ ! -s \"\$file\" ]; then echo \"rollback: no previous commit recorded in \$file (has scripts/deploy.sh run here?)\" >&2; exit 3; fi
prev=\$(cat \"\$file\")
now=\$(git rev-parse HEAD)
git -c advice.detachedHead=false checkout --detach \"\$prev\"
echo \"rollback: \$now -> \$prev\""
}

# A code rollback does not undo a config change, and a config rollback needs no code change:
# this is the config that returns the engine to the proven media path.
print_config_rollback() {
  cat <<'EOF'
==> code rolled back. If the trouble is in the streaming media path rather than the code,
    roll the config back instead (config/ai-agent.yaml on the server, or the file AI_AGENT_CONFIG
    names; then docker compose restart ai-engine):
      audio_transport: legacy
      downstream_mode: file
    (AUDIO_TRANSPORT / DOWNSTREAM_MODE in .env win over the file: set them there instead, then
    docker compose up -d ai-engine)
EOF
}

rollback_main() {
  load_settings
  checkout_previous
  restart_engine
  show_status
  if ! wait_ready; then
    print_config_rollback >&2
    exit 1
  fi
  print_config_rollback
}

rollback_main "$@"
