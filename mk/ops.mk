# Operations: the Docker stack here, and deploys to a server over ssh.
# Included from the top Makefile (`make help` lists these with the rest).
#
#   make up                     Asterisk + engine (docker-compose.yml), detached
#   make sim-up                 the simulator + an engine pointed at it (profile sim), no Asterisk
#   make restart-engine         after a code change: rebuild the engine image, restart only it
#   make deploy SERVER=user@host REPO_PATH=/srv/asterisk-ai-voice-agent BRANCH=develop
#   make rollback SERVER=user@host REPO_PATH=/srv/asterisk-ai-voice-agent

COMPOSE ?= docker compose
ENGINE_SERVICE ?= ai-engine
LOGS_TAIL ?= 200
SERVER ?=
REPO_PATH ?=
BRANCH ?= develop

.PHONY: up down ps logs restart-engine build sim-up deploy rollback docker-check deploy-check

# Every docker target needs a reachable Docker engine and the compose plugin: say so plainly
# and stop (non-zero), rather than fail later with a socket error.
docker-check:
	@command -v docker >/dev/null 2>&1 || { echo "ops: docker is not installed (https://docs.docker.com/engine/install/)" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "ops: no Docker engine reachable ('docker info' failed): start dockerd or set DOCKER_HOST" >&2; exit 1; }
	@$(COMPOSE) version >/dev/null 2>&1 || { echo "ops: '$(COMPOSE)' is not available: install the Docker Compose v2 plugin" >&2; exit 1; }

up: docker-check ## start Asterisk + engine in Docker (127.0.0.1 only; builds missing images)
	$(COMPOSE) up -d
	$(COMPOSE) ps

down: docker-check ## stop and remove the stack's containers (all profiles)
	$(COMPOSE) --profile sim down

ps: docker-check ## status of the stack's containers
	$(COMPOSE) --profile sim ps

logs: docker-check ## follow the engine's logs (LOGS_TAIL=200, ENGINE_SERVICE=ai-engine)
	$(COMPOSE) logs --follow --tail=$(LOGS_TAIL) $(ENGINE_SERVICE)

restart-engine: docker-check ## code-only change: rebuild the engine image, restart only the engine
	$(COMPOSE) build $(ENGINE_SERVICE)
	$(COMPOSE) up -d --no-deps $(ENGINE_SERVICE)

build: docker-check ## full rebuild of every image (fresh base images, no cache)
	$(COMPOSE) --profile sim build --pull --no-cache

sim-up: docker-check ## start the simulator + an engine on it (profile sim, ARI on 127.0.0.1:18088)
	$(COMPOSE) --profile sim up -d simulator ai-engine-sim
	$(COMPOSE) --profile sim ps

deploy-check:
	@test -n "$(SERVER)" -a -n "$(REPO_PATH)" || { echo "usage: make $(if $(filter rollback,$(MAKECMDGOALS)),rollback,deploy) SERVER=user@host REPO_PATH=/srv/asterisk-ai-voice-agent [BRANCH=develop]" >&2; exit 2; }

deploy: deploy-check ## deploy BRANCH to SERVER:REPO_PATH over ssh, wait for /ready
	SERVER='$(SERVER)' REPO_PATH='$(REPO_PATH)' BRANCH='$(BRANCH)' ENGINE_SERVICE='$(ENGINE_SERVICE)' bash scripts/deploy.sh

rollback: deploy-check ## put SERVER:REPO_PATH back on the commit before the last deploy
	SERVER='$(SERVER)' REPO_PATH='$(REPO_PATH)' ENGINE_SERVICE='$(ENGINE_SERVICE)' bash scripts/rollback.sh
