# One image for every app: the all-in-one controller by default; the manifests in deploy/ pick an app with
#   command: ["node", "dist/apps/<config-api|control|kubemanager>/src/main.js"].
# Build: docker build -t contrail-es:0.1.0 .

# --- build: compile TypeScript (and better-sqlite3, which needs python3, make and g++), then drop devDependencies
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The lock file alone first, so a source change does not reinstall node_modules.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

# --- runtime: compiled code, production node_modules and package.json (its "imports" map #libs/* and #apps/*)
FROM node:20-bookworm-slim
RUN groupadd --system --gid 10001 contrail \
 && useradd --system --uid 10001 --gid contrail --home-dir /app --no-create-home --shell /usr/sbin/nologin contrail \
 && mkdir -p /var/lib/contrail \
 && chown contrail:contrail /var/lib/contrail
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Listen on every address (the apps default to 127.0.0.1); keep the SQLite log and checkpoints in a writable place.
ENV NODE_ENV=production BIND_ADDRESS=0.0.0.0 DATA_DIR=/var/lib/contrail
# config API REST, gRPC (config API / control), XMPP (control). Control's REST is 8083, kubemanager's 8084.
EXPOSE 8082 50051 5269
VOLUME ["/var/lib/contrail"]
USER 10001
CMD ["node", "dist/apps/controller/src/main.js"]
