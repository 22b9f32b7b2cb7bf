# Mimamori — passive OT network security monitoring.
GO        ?= go
BIN       := bin/mimamori
PKGS      := ./...
FUZZTIME  ?= 30s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X mimamori/firmware.Version=$(VERSION)

.PHONY: all build test demo bench pgo fuzz proto intel-data clean

all: build

# go build optimises the binary with cmd/mimamori/default.pgo, the CPU
# profile of the sensor's pipeline and the cloud's ingest (make pgo writes
# a new one).
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mimamori

# The concurrent parts (actors, sensor tree, ingest, broker) also run under
# the race detector.
RACE_PKGS := ./actors/... ./cloud/... ./edge/sensor/... ./edge/spool/... ./edge/uplink/...

test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 10m $(PKGS)
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

demo: build
	./$(BIN) demo --data var/demo

# Performance harness: generated captures, sensor vs tshark/tcpdump, live
# capture, memory, upload size, cloud ingest (docs/PERFORMANCE.md).
bench:
	GO=$(GO) scripts/bench.sh

# The profile the build is optimised with, from the sensor's pipeline over
# the two benchmark plants and the cloud's ingest (docs/PERFORMANCE.md).
pgo:
	GO=$(GO) scripts/pgo.sh

# Every fuzz target in turn for FUZZTIME each (CI runs them briefly).
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

proto:
	protoc --go_out=. --go_opt=module=mimamori edge/wire/batch.proto

# The MAC vendor registry and the service names edge/intel embeds, from
# Debian's ieee-data and netbase packages (apt-get install ieee-data netbase).
IEEE_DATA ?= /usr/share/ieee-data
SERVICES  ?= /etc/services
intel-data:
	$(GO) run ./edge/intel/internal/intelgen -ieee $(IEEE_DATA) -services $(SERVICES) -out edge/intel

clean:
	rm -rf bin var
