# Lifeline: make run, make test (see README.md).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
# Fyne is built for X11 only, so Wayland's development files are not needed.
export GOFLAGS := -tags=x11
GO ?= go
BIN := bin
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DATA ?= $(CURDIR)/.lifeline-demo
# The agent programs the server's join page offers for download.
AGENTS ?= $(CURDIR)/$(BIN)/agents

.PHONY: all build run test test-go bench lint clean agents

all: build

build:
	$(GO) build -o $(BIN)/lifeline-rendezvous ./rendezvous
	$(GO) build -o $(BIN)/lifeline-agent ./agent
	$(GO) build -o $(BIN)/lifeline-console ./console

# Starts the server on its embedded defaults (SQLite and a self-signed
# certificate in $(DATA)) with a demo CSR account whose password it prints.
# Its join page offers the agent for this machine, and the Windows agent
# once `make agents` has built it.
run:
	@packaging/scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	@packaging/scripts/build-agents.sh $(AGENTS) host
	$(BIN)/lifeline-rendezvous serve --data $(DATA) --demo --agent-dir $(AGENTS)

# The agents for the join page: Linux amd64, and Windows amd64 cross-built
# with mingw-w64 (minutes the first time; not part of make test).
agents:
	@packaging/scripts/deps.sh agents
	packaging/scripts/build-agents.sh $(AGENTS) linux windows

# Every test, against SQLite and a throwaway PostgreSQL server; the X tests
# (Xvfb), the browser test of the join page (Chromium) and the Authenticode
# test (osslsigncode), all installed by deps.sh, must run, not skip.
test:
	@packaging/scripts/deps.sh test
	@url=$$(packaging/scripts/test-postgres.sh) && \
	  LIFELINE_TEST_POSTGRES="$$url" LIFELINE_REQUIRE_POSTGRES=1 LIFELINE_REQUIRE_X=1 \
	  LIFELINE_REQUIRE_CHROMIUM=1 LIFELINE_REQUIRE_OSSLSIGNCODE=1 $(MAKE) --no-print-directory test-go

test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

bench:
	@packaging/scripts/deps.sh bench
	$(GO) run ./rendezvous/loadtest -out BENCHMARKS.md
	$(GO) run ./shared/codec/cmd/codecbench -corpus ../shared/corpus -out BENCHMARKS.md
	LIFELINE_BENCH_OUT=$(CURDIR)/BENCHMARKS.md LIFELINE_REQUIRE_X=1 $(GO) test -count=1 -timeout 15m -run TestScreenBenchmarks ./agent/e2e
	LIFELINE_BENCH_OUT=$(CURDIR)/BENCHMARKS.md LIFELINE_REQUIRE_X=1 $(GO) test -count=1 -timeout 15m -run TestViewerRedraw ./console/gui/internal/viewerbench
	LIFELINE_BENCH_OUT=$(CURDIR)/BENCHMARKS.md $(GO) test -count=1 -v -timeout 10m -run TestFileThroughput ./shared/filetransfer/internal/transferbench
	LIFELINE_BENCH_OUT=$(CURDIR)/BENCHMARKS.md LIFELINE_CORPUS=$(CURDIR)/../shared/corpus $(GO) test -count=1 -v -timeout 10m -run TestRecordingCost ./shared/recording/internal/recbench

lint:
	@packaging/scripts/deps.sh lint
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf $(BIN)
