# syntax=docker/dockerfile:1
# Gatehouse image: compile and bundle in one stage, run the bundle with production dependencies only.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and argon2 ship prebuilt binaries; the toolchain is the fallback if none fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: glibc otherwise gives each of Node's helper threads its own malloc arena and
# keeps what they freed; two arenas hold an idle server ~5 MB lower (bench/README.md).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    APP_ENV=production \
    GATEHOUSE_HOST=0.0.0.0 \
    GATEHOUSE_PORT=8080 \
    GATEHOUSE_DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/bundle ./dist/bundle
COPY bin ./bin
# Only the data dir (SQLite file, logs, outbox) is writable, and by the unprivileged user.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEHOUSE_PORT || 8080) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# bin/gatehouse.js runs dist/bundle/ when there is no src/ (as here). SIGTERM reaches node directly (exec form).
# --min-semi-space-size=8: V8's young generation starts at 8 MB instead of 1 MB, so a busy server
# scavenges several times less often (refresh −17%, bearer /me −4% server CPU per request in A/B
# runs; bench/README.md item 34). It is a start-up flag only: node refuses it in NODE_OPTIONS, and
# setting it at run time leaves the young generation as it is.
CMD ["node", "--min-semi-space-size=8", "bin/gatehouse.js", "serve"]
