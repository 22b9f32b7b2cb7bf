# Mimamori — passive OT network security monitoring.
GO        ?= go
BIN       := bin/mimamori
PKGS      := ./...
FUZZTIME  ?= 30s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X mimamori/firmware.Version=$(VERSION)

.PHONY: all build test demo bench fuzz proto clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mimamori

# The concurrent parts (actors, sensor tree, ingest, broker) also run under
# the race detector.
RACE_PKGS := ./actors/... ./cloud/... ./edge/sensor/... ./edge/spool/... ./edge/uplink/...

test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 30m $(PKGS)
	$(GO) test -race -count=1 -timeout 30m $(RACE_PKGS)

demo: build
	./$(BIN) demo --data var/demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 3 ./edge/...

# Every fuzz target in turn for FUZZTIME each (CI runs them briefly).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

proto:
	protoc --go_out=. --go_opt=module=mimamori edge/wire/batch.proto

clean:
	rm -rf bin var
