# syntax=docker/dockerfile:1
# The aggregator's container image.
#   docker build -t log-aggregator .
#   docker run --rm --read-only -e NAMESPACE=default -e LOKI_URL=http://loki:3100 \
#     -v ~/.kube/config:/kube/config:ro -e KUBECONFIG=/kube/config log-aggregator
# Inside a pod:  kubectl exec deploy/log-aggregator -- aggregator ctl tails

# ---- build: the SDK image, on the machine's own platform (cross-compiles for TARGETARCH, no emulation) ----
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /source

# Restore first, from the central build and package settings and the project files only, so that the restored
# packages stay a cached layer until a dependency changes.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Aggregator.Host/Aggregator.Host.csproj src/Aggregator.Host/
COPY src/Aggregator.Actors/Aggregator.Actors.csproj src/Aggregator.Actors/
COPY src/Aggregator.Simulation/Aggregator.Simulation.csproj src/Aggregator.Simulation/
RUN dotnet restore src/Aggregator.Host/Aggregator.Host.csproj -a $TARGETARCH

COPY src/ src/
# Framework-dependent (the runtime image brings ASP.NET Core), for the target architecture, with its apphost
# /app/aggregator (the Host's assembly name).
RUN dotnet publish src/Aggregator.Host/Aggregator.Host.csproj -c Release -a $TARGETARCH --no-restore -o /app

# ---- runtime: the smallest official image that carries ASP.NET Core: Ubuntu chiseled (distroless: no shell, no
# package manager), with a non-root "app" user (UID 1654) ----
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./

# Read-only root filesystem: `aggregator run` writes no file. With diagnostics off the runtime does not even try to
# create its IPC socket (dotnet-diagnostic-*) under /tmp. Only `aggregator demo` needs a writable /tmp (it makes a
# temporary directory): `docker run --read-only --tmpfs /tmp …`; the Kubernetes manifests mount an emptyDir there and
# docker-compose.yml a tmpfs. DOTNET_EnableDiagnostics=1 brings back dotnet-counters/dotnet-trace/dotnet-dump, whose
# socket then goes to that writable /tmp.
# PATH starts with /app, so that `kubectl exec deploy/log-aggregator -- aggregator ctl …` and `docker compose exec
# aggregator aggregator ctl …` find the executable by its bare name (the chiseled image has no shell).
# ASPNETCORE_HTTP_PORTS: the base image's default listener on 8080 is not the aggregator's; it listens where its own
# settings say (METRICS_PORT, 9102; ADMIN_PORT on 127.0.0.1, 9110).
# DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION: the shared array pool keeps 128 arrays per size and
# core, not 32: a thousand HTTP/2 log streams rent and return 16 KiB blocks faster than 32 can hold, and what the pool
# drops is allocated again (ImageEnvironment.cs; the benchmark gives the aggregator the same).
# DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: a read completes on the socket thread, which leaves the lines in their
# lane's pending batch; at a trickle a line then wakes no thread-pool thread (ImageEnvironment.cs).
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=128 \
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
    ASPNETCORE_HTTP_PORTS= \
    PATH=/app:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Metrics (/metrics) and health (/healthz, /readyz). The admin endpoint of `aggregator ctl` stays on 127.0.0.1:9110.
EXPOSE 9102

# The chiseled images' "app" user, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1654:1654

ENTRYPOINT ["/app/aggregator", "run"]
