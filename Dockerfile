# The kaito-reconciler image: `docker build -t kaito-reconciler .`

# Build: compile the TypeScript sources to lib/.
FROM node:24-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# Production dependencies only (the optional cdk8s and Pulumi peers are not installed).
FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
# A small young generation and two malloc arenas keep the process within the Deployment's 128 MiB limit
# (measured in bench/reconciler); the old-generation cap leaves room for the rest of the process.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=80" \
    MALLOC_ARENA_MAX=2
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /src/lib ./lib
COPY package.json LICENSE ./
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "lib/reconciler/main.js"]
