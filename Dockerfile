# syntax=docker/dockerfile:1
# The engine image: `node dist/engine/main.js`, config and secrets from outside.
#
#   docker build -t asterisk-ai-voice-agent .
#   docker run --env-file .env -v "$PWD/config:/app/config:ro" -p 127.0.0.1:8091:8091 asterisk-ai-voice-agent
#
# Config is read from /app/config/ai-agent.yaml (mount it read-only); API keys and ARI
# credentials come from the environment (.env through compose); neither is ever copied in
# (.dockerignore keeps .env and config/ out of the build context).
#
# Pre-flight inside the image (same checks as `make doctor`):
#   docker compose run --rm ai-engine node dist/engine/doctor/main.js
#
# The same image also carries the compiled simulator (`node dist/simulator/main.js`), which
# the compose profile `sim` uses for offline work.

# Node 22 is the maintained LTS line (Node 20 reached end of life in April 2026). Pinned by
# tag; for byte-for-byte rebuilds pin the digest too: --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: all dependencies, compile TypeScript to dist/ -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY engine ./engine
COPY simulator ./simulator
RUN npm run build

# --- runtime: production dependencies and dist/ only ------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Recorded audio the scripted provider plays (config/scripts/*.yaml name it relative to the
# config dir, i.e. /app/fixtures/audio) and the sounds the simulator plays. Compiled code that
# finds them from its own location (engine/.. or simulator/core/../..) lands in dist/, hence
# the link.
COPY fixtures/audio ./fixtures/audio
COPY fixtures/sounds ./fixtures/sounds
RUN [ -e dist/fixtures ] || ln -s ../fixtures dist/fixtures

# The media dir is a shared tmpfs volume at run time; creating it here owned by `node`
# (uid 1000) gives a plain named volume the right owner on first mount as well.
RUN mkdir -p /app/config /mnt/asterisk_media/ai-generated \
 && chown -R node:node /mnt/asterisk_media

# The official image's unprivileged user (uid 1000, the same uid as the asterisk user in the
# Asterisk image, so files written here are readable there).
USER node

# 8090 AudioSocket server, 8091 /live /ready /metrics. Publish them on 127.0.0.1 only
# (see docker-compose.yml and docs/security.md: AudioSocket has no authentication).
EXPOSE 8090 8091

# Slim images have no curl: ask /ready with Node's own fetch.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8091/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM from `docker stop` directly. The flag is the
# engine's GC setting for call setup bursts: see engine/node-flags.ts.
CMD ["node", "--max-semi-space-size=32", "--heap-growing-percent=100", "dist/engine/main.js"]
