# The raftkv member image (README.md, "Docker"). Two stages: `build` installs the dependencies
# and compiles dist/src with the full toolchain; the runtime stage is node:20-bookworm-slim
# with the production node_modules, the compiled code, tini as PID 1 and a non-root user.
#
# Nothing here is built on the project machines (no container engine runs there). Instead
# test/dockerfile.test.ts lints this file with dockerfile-utils and checks its invariants, and
# test/integration/docker-steps.test.ts runs its build-stage steps and its ENTRYPOINT, ENV and
# HEALTHCHECK from a fresh copy in a temp directory. Change the steps and those tests follow.
#
# Base images are pinned by tag, not by digest: the machines this file is written and tested
# on have no registry access to read a digest from. A release pipeline should resolve both
# tags to @sha256: digests when it builds. Both stages must be the same Node major: the
# better-sqlite3 addon is compiled (or fetched prebuilt) in `build` for Node 20's ABI and
# bookworm's glibc, and loaded by the runtime's Node 20 on the same Debian release.

FROM node:20-bookworm AS build

# The production dependencies alone, exactly as committed in package-lock.json; the runtime
# copies this node_modules. node:20-bookworm has python3, make and g++, so better-sqlite3
# builds from source when no prebuilt binary fits. It comes before the sources so that the
# layer stays cached until package.json or package-lock.json changes.
WORKDIR /opt/raftkv-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Everything, dev dependencies included (tsc), to compile src/ to dist/src.
WORKDIR /opt/raftkv-build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim

# tini is PID 1: it forwards SIGTERM to node (which drains, src/main.ts) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid, named by number in USER below: Kubernetes' runAsNonRoot can only verify a
# numeric user, and a host directory's owner or a pod's fsGroup can name it. The data
# directory is created and owned before VOLUME: a new named volume starts with this ownership.
# A bind-mounted host directory must be writable by uid 10001.
RUN groupadd --system --gid 10001 raftkv \
  && useradd --system --uid 10001 --gid raftkv -d /var/lib/raftkv -s /usr/sbin/nologin raftkv \
  && mkdir -p /var/lib/raftkv \
  && chown raftkv:raftkv /var/lib/raftkv \
  && chmod 0700 /var/lib/raftkv

WORKDIR /opt/raftkv
# package.json gives `raftkv --version` its version (src/cli-version.ts).
COPY package.json ./
COPY --from=build /opt/raftkv-deps/node_modules ./node_modules
COPY --from=build /opt/raftkv-build/dist/src ./dist/src

# Defaults for one member that listens on every interface (src/cli-flags.ts lists every
# RAFTKV_* variable; a flag after the image name wins over its variable). Alone, the image
# runs a single-member cluster. A member of a larger cluster must also be given:
#   RAFTKV_ID                its id, unique in the cluster;
#   RAFTKV_INITIAL_CLUSTER   id=host:port of every founding member's peer address;
#   RAFTKV_ADVERTISE_PEER    its own entry in that list (src/settings.ts refuses to start
#                            otherwise: 0.0.0.0:7380, the listen address, is nobody's);
#   RAFTKV_ADVERTISE_CLIENT  host:port where clients reach it (sent to clients as the
#                            leader's address).
# The Helm chart sets these from the pod's name and its headless service.
# RAFTKV_LISTEN_METRICS is the metrics and HTTP health port (--listen-metrics).
ENV NODE_ENV=production \
  RAFTKV_DATA_DIR=/var/lib/raftkv \
  RAFTKV_LISTEN_CLIENT=0.0.0.0:7379 \
  RAFTKV_LISTEN_PEER=0.0.0.0:7380 \
  RAFTKV_LISTEN_METRICS=0.0.0.0:9090

VOLUME /var/lib/raftkv
# Client gRPC (KV, Cluster, Health, reflection), peer gRPC, metrics and HTTP health.
EXPOSE 7379 7380 9090

USER 10001:10001

# grpc.health.v1 Check through raftkvctl: exit 0 only when SERVING, i.e. the member knows a
# leader and has applied what it knows to be committed. The address is inside the container:
# a deployment that moves RAFTKV_LISTEN_CLIENT off port 7379 must override this check too.
# start-period covers an election, and a restart that replays its log.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/ctl/main.js", "--endpoints", "127.0.0.1:7379", \
  "--dial-timeout", "2s", "--command-timeout", "2s", "endpoint", "health"]

# The member drains on SIGTERM: a leader hands leadership over, then it closes its stores and
# exits 0. Give it time: `docker stop -t 30`, terminationGracePeriodSeconds in Kubernetes.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/main.js"]
