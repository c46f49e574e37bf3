# syntax=docker/dockerfile:1
# The Tollgate gateway as a container: built from source in the SDK image, run from the ASP.NET runtime image as a
# non-root user, with a health check on /healthz. Build: docker build -t tollgate .   (see docs/deploy.md)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so a source change does not re-download packages.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
# The libraries' own build settings (and the analyzer package they add) take part in the restore.
COPY src/Directory.Build.props src/BannedSymbols.txt src/
COPY src/Tollgate/Tollgate.csproj src/Tollgate/
COPY src/Tollgate.Providers/Tollgate.Providers.csproj src/Tollgate.Providers/
COPY src/Tollgate.Sqlite/Tollgate.Sqlite.csproj src/Tollgate.Sqlite/
COPY src/Tollgate.PostgreSql/Tollgate.PostgreSql.csproj src/Tollgate.PostgreSql/
COPY src/Tollgate.Redis/Tollgate.Redis.csproj src/Tollgate.Redis/
COPY src/Tollgate.Hosting/Tollgate.Hosting.csproj src/Tollgate.Hosting/
COPY src/Tollgate.Gateway/Tollgate.Gateway.csproj src/Tollgate.Gateway/
COPY src/Tollgate.Extensions.AI/Tollgate.Extensions.AI.csproj src/Tollgate.Extensions.AI/
COPY src/Tollgate.Cli/Tollgate.Cli.csproj src/Tollgate.Cli/
RUN dotnet restore src/Tollgate.Cli/Tollgate.Cli.csproj
COPY src/ src/
RUN dotnet publish src/Tollgate.Cli/Tollgate.Cli.csproj -c Release --no-restore -o /app -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl for the health check only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# The data directory (embedded SQLite store, generated admin key) belongs to the image's non-root user ($APP_UID, "app").
RUN mkdir -p /data && chown "$APP_UID" /data
USER $APP_UID
ENV TOLLGATE__HOST=0.0.0.0 \
    TOLLGATE__PORT=4000 \
    TOLLGATE__DATADIRECTORY=/data \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:4000/healthz || exit 1
ENTRYPOINT ["/app/tollgate", "serve"]
