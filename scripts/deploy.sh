#!/usr/bin/env bash
# Deploys a branch of this repository to a server over ssh and waits until the engine is ready.
#
#   SERVER=user@host REPO_PATH=/srv/asterisk-ai-voice-agent BRANCH=develop scripts/deploy.sh
#
# On the server: git fetch + checkout + pull (the commit it replaces is kept in
# .git/ai-deploy-previous for scripts/rollback.sh), rebuild and restart only the engine
# with docker compose, show `docker compose ps` and the last log lines, then poll /ready
# with curl on the server until it answers 200. Exits non-zero when any step fails or /ready
# never answers 200.
#
# Each step is one ssh call running `bash -s` with the step's script on stdin: the remote
# login shell may be anything, and every value is quoted with printf %q before it is sent.
#
# Settings (environment):
#   SERVER          user@host (required)
#   REPO_PATH       path of the clone on the server (required)
#   BRANCH          branch to deploy (default: develop)
#   SSH             ssh command, options allowed (default: ssh; e.g. "ssh -p 2222 -i ~/.ssh/deploy")
#   COMPOSE         compose command on the server (default: docker compose)
#   ENGINE_SERVICE  compose service of the engine (default: ai-engine)
#   READY_URL       readiness URL as seen from the server (default: http://127.0.0.1:8091/ready)
#   READY_ATTEMPTS  polls of READY_URL before giving up (default: 60)
#   READY_INTERVAL  seconds between polls (default: 2); timeout = attempts x interval
#   LOG_LINES       engine log lines to show (default: 50)
set -euo pipefail

# Where the server remembers the commit a deploy replaced: a file inside the clone's git dir,
# so it is never tracked and needs no .gitignore entry. Expanded on the server, hence the quotes.
# shellcheck disable=SC2016
readonly PREVIOUS_COMMIT_FILE='"$(git rev-parse --git-dir)/ai-deploy-previous"'

load_settings() {
  BRANCH="${BRANCH:-develop}"
  COMPOSE="${COMPOSE:-docker compose}"
  ENGINE_SERVICE="${ENGINE_SERVICE:-ai-engine}"
  READY_URL="${READY_URL:-http://127.0.0.1:8091/ready}"
  READY_ATTEMPTS="${READY_ATTEMPTS:-60}"
  READY_INTERVAL="${READY_INTERVAL:-2}"
  LOG_LINES="${LOG_LINES:-50}"
  # Word splitting is wanted here: SSH may carry options.
  read -r -a SSH_CMD <<<"${SSH:-ssh}"
  if [[ -z "${SERVER:-}" || -z "${REPO_PATH:-}" ]]; then
    echo "error: SERVER and REPO_PATH are required, e.g. SERVER=user@host REPO_PATH=/srv/app BRANCH=develop $0" >&2
    exit 2
  fi
  if ! [[ "$READY_ATTEMPTS" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: READY_ATTEMPTS must be a positive integer, got '$READY_ATTEMPTS'" >&2
    exit 2
  fi
}

log() { printf '==> %s\n' "$*" >&2; }

# Runs a script on the server: `bash -s` reads it from stdin.
remote() {
  "${SSH_CMD[@]}" "$SERVER" 'bash -s' <<<"$1"
}

# Prefix of every remote script: strict mode, then into the clone.
remote_prologue() {
  printf 'set -euo pipefail\ncd %q\n' "$REPO_PATH"
}

update_code() {
  log "updating $REPO_PATH on $SERVER to origin/$BRANCH"
  remote "$(remote_prologue)
prev=\$(git rev-parse HEAD)
git fetch --prune origin
git checkout $(printf %q "$BRANCH")
git pull --ff-only origin $(printf %q "$BRANCH")
now=\$(git rev-parse HEAD)
if [ \"\$prev\" != \"\$now\" ]; then echo \"\$prev\" > $PREVIOUS_COMMIT_FILE; fi
echo \"deploy: \$prev -> \$now\""
}

restart_engine() {
  log "rebuilding and restarting $ENGINE_SERVICE"
  remote "$(remote_prologue)
$COMPOSE build $(printf %q "$ENGINE_SERVICE")
$COMPOSE up -d --no-deps $(printf %q "$ENGINE_SERVICE")"
}

show_status() {
  remote "$(remote_prologue)
$COMPOSE ps
$COMPOSE logs --no-color --tail=$(printf %q "$LOG_LINES") $(printf %q "$ENGINE_SERVICE")"
}

# Polls READY_URL from the server. curl prints the HTTP status (000 when nothing answers).
wait_ready() {
  log "waiting for $READY_URL (up to $READY_ATTEMPTS polls, ${READY_INTERVAL}s apart)"
  local attempt code=''
  for ((attempt = 1; attempt <= READY_ATTEMPTS; attempt++)); do
    code=$(remote "curl -s -o /dev/null -w '%{http_code}' --max-time 5 $(printf %q "$READY_URL") || true") || code='ssh-failed'
    if [[ "$code" == '200' ]]; then
      log "ready: $READY_URL answered 200 (poll $attempt)"
      return 0
    fi
    if ((attempt < READY_ATTEMPTS)); then sleep "$READY_INTERVAL"; fi
  done
  echo "error: $READY_URL did not answer 200 after $READY_ATTEMPTS polls (last answer: ${code:-none})" >&2
  echo "error: last engine log lines follow; to go back: make rollback SERVER=$SERVER REPO_PATH=$REPO_PATH" >&2
  show_status >&2 || true
  return 1
}

main() {
  load_settings
  update_code
  restart_engine
  show_status
  wait_ready
  log "deployed $BRANCH to $SERVER:$REPO_PATH"
}

# Sourced by rollback.sh for the shared steps; run main only when executed.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
