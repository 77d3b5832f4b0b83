# Cairn: the two commands are `make run` and `make test`; each installs what it needs.
BUILD ?= build
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo
# Warnings are errors in CI (CI=true) and off by default elsewhere.
WERROR := $(if $(CI),ON,OFF)

# Exactly the Debian packages the build and the tests use.
DEB_PACKAGES := g++ cmake make pkg-config \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
  libsqlite3-dev libpq-dev libsodium-dev libspdlog-dev libfmt-dev libcli11-dev \
  libcurl4-openssl-dev libssl-dev libgtest-dev libjemalloc-dev \
  postgresql-15 curl
# What `make test` adds: the browser the web UI's tests drive (playwright-core, from npm, drives
# Debian's Chromium; no browser is downloaded).
BROWSER_PACKAGES := chromium
# What `make bench` adds: the load generator and the static server it compares against.
BENCH_PACKAGES := wrk nginx-light

MAKEFLAGS += --no-print-directory

.PHONY: deps configure build build-all run test bench bench-sims bench-sync bench-latency bench-webhooks bench-web clean

deps:
	@scripts/deps.sh $(DEB_PACKAGES)
	@scripts/web_deps.sh

configure:
	@mkdir -p $(BUILD) && cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCAIRN_WERROR=$(WERROR) > $(BUILD)/configure.log 2>&1 || (cat $(BUILD)/configure.log; exit 1)

# build/cairn alone (what `make run` needs).
build: deps configure
	@cmake --build $(BUILD) -j$(JOBS) --target cairn

# Everything: the binary, the tests and the benchmark tools.
build-all: deps configure
	@cmake --build $(BUILD) -j$(JOBS)

# Cairn and, for the demo, the vendor simulators (scripts/run.sh; DEMO=0 runs Cairn alone).
run: deps build
	@cmake --build $(BUILD) -j$(JOBS) --target cairn-sim
	@scripts/run.sh $(BUILD)

test: deps build build-all
	@scripts/deps.sh $(BROWSER_PACKAGES)
	@scripts/test.sh $(BUILD)

bench: deps build build-all
	@scripts/deps.sh $(BENCH_PACKAGES)
	@bench/run.sh $(BUILD)

# The vendor simulators' throughput and memory at a million devices (bench/sims.sh).
bench-sims: deps build-all
	@scripts/deps.sh $(BENCH_PACKAGES)
	@bench/sims.sh $(BUILD)

# The sync engine at issue 4's size against the ConnectWise simulator (bench/sync.sh).
bench-sync: deps build-all
	@VENDOR=connectwise bench/sync.sh $(BUILD)
	@VENDOR=halo bench/sync.sh $(BUILD)

# The sync import with 50 ms per vendor call against its floors (bench/latency.sh).
bench-latency: deps build-all
	@VENDOR=connectwise bench/latency.sh $(BUILD)
	@VENDOR=halo bench/latency.sh $(BUILD)

# Webhook delivery latency and the API's write rate with and without a webhook (bench/webhooks.sh).
bench-webhooks: deps build-all
	@bench/webhooks.sh $(BUILD)

# The web UI's pages signed in, beside the API calls they make (bench/web.sh).
bench-web: deps build-all
	@scripts/deps.sh wrk
	@bench/web.sh $(BUILD)

clean:
	rm -rf $(BUILD)
