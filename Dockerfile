# syntax=docker/dockerfile:1
#
# frontdesk as a container: a static binary on distroless, running as the
# non-root user 65532. Build with
#
#	docker build --build-arg VERSION=$(git describe --tags --always) -t frontdesk .
#
# The configuration is expected at /etc/frontdesk/frontdesk.yaml (mount it);
# secrets come in through the environment (${NAME} in the YAML).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/frontdesk ./cmd/frontdesk
# The Twilio webhook spool's directory (twilio.spool_dir), owned by the user
# frontdesk runs as: a named volume mounted on it starts with this owner.
RUN mkdir -p /out/spool

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/frontdesk /frontdesk
COPY --from=build --chown=65532:65532 /out/spool /var/lib/frontdesk/spool
USER 65532:65532
EXPOSE 8025
ENTRYPOINT ["/frontdesk"]
CMD ["serve", "-config", "/etc/frontdesk/frontdesk.yaml"]
