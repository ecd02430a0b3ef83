# pertoken: `make run` and `make test` are the two commands a fresh Debian 12 machine needs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
APT_PACKAGES := build-essential cmake libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev \
                libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev clang-format
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-slow bench accuracy format format-check clean

all: build

# Installs the Debian packages that are missing (and nothing when all are present).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@# Node.js and npm from Debian unless the machine has them already (another install of Node.js
	@# conflicts with Debian's npm package); then the charting library the HTML report embeds,
	@# pinned by web/package-lock.json.
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	@[ -f web/node_modules/chart.js/dist/chart.umd.js ] || npm ci --prefix web --no-audit --no-fund

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job on built-in defaults: the cheapest deployment of Llama-3.1-70B for the Azure
# conversation trace with p99 TTFT <= 2 s and TPOT <= 100 ms.
run: build
	$(BUILD_DIR)/pertoken plan --model llama-3.1-70b --trace azure-conv --slo-ttft 2 --slo-tpot 0.1

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow

test-slow: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L slow

# Speed of the performance model; see bench/README.md.
bench: build
	$(BUILD_DIR)/pertoken_bench --benchmark_min_time=0.2

# Refit the engines to the calibration measurements and regenerate doc/accuracy.md.
accuracy: build
	tools/accuracy.sh

SOURCES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null)
format:
	clang-format -i $(SOURCES)
format-check:
	clang-format --dry-run -Werror $(SOURCES)

clean:
	rm -rf $(BUILD_DIR)
