# syntax=docker/dockerfile:1
# drift-detector container: `drift-detector run` from the compiled dist/, as a non-root user, on a read-only root
# filesystem. State lives under /data (a volume); with DATABASE_URL it lives in PostgreSQL and /data stays empty.

# --- build: bundle the TypeScript sources into dist/ (scripts/build.ts: esbuild, plus the dashboard's static files)
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build.ts ./scripts/
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and dist/ only ---
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    DRIFT_DATA_DIR=/data \
    DRIFT_LISTEN=0.0.0.0:8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force \
    && mkdir -p /data \
    && chown 1000:1000 /data
COPY --from=build /app/dist ./dist
# The `node` user of the base image, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8080
# V8 flags that halve the resident memory (figures in docs/deploy.md, measured by `npm run bench:service -- --dist`,
# which runs this very line): the embedded store's WebAssembly (PostgreSQL) runs on V8's baseline compiler only, as
# the optimizing one would keep a second, larger copy of its code resident; a small young generation suits a service
# that allocates in bursts (a detection) and then rests; gc lets it free a detection's garbage once quiet
# (src/service/release-memory.ts).
ENTRYPOINT ["node", "--liftoff-only", "--max-semi-space-size=2", "--expose-gc", "dist/cli/main.js", "run"]
