# kagami: `make demo` and `make test` set up everything on a fresh Debian 12 machine.
# PRESET picks the CMake preset of the main build (default; CI uses ci: warnings are errors).
PRESET ?= $(if $(CI),ci,default)
BUILD_DIR := build/$(PRESET)

.PHONY: all deps build test demo bench package clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

# Every test: the main build under CTest, then the unit tests under ASan+UBSan and TSan,
# then the fuzz targets for a bounded time.
test: deps
	@PRESET=$(PRESET) scripts/test-all

# Only the packages and programs the demo runs (scripts/deps/demo.txt, CMake preset demo).
demo:
	@scripts/install-deps demo
	@scripts/demo

bench: build
	@scripts/bench-all $(BUILD_DIR)

package: build
	@cmake --build --preset $(PRESET) --target package

clean:
	rm -rf build
