# The entry points: `make demo` and `make test` install what is missing, build and run.
BUILD ?= build
JOBS ?= 2
TYPE ?= Release
ARGS ?=

# Share ccache hits between checkouts of the tree in different folders.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure build demo test bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	./$(BUILD)/switchboard demo $(ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 600 -j$(JOBS)

bench: build
	./$(BUILD)/switchboard bench $(if $(ARGS),$(ARGS),all)

# Coverage-guided fuzzing of the codec; needs clang with libFuzzer (bounded run).
FUZZ_SECONDS ?= 60
fuzz: deps
	@command -v clang++ >/dev/null || { echo "make fuzz needs clang++ (apt-get install clang)"; exit 2; }
	@cmake -S . -B fuzz-build -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSWITCHBOARD_FUZZ=ON -DSWITCHBOARD_TESTS=OFF >/dev/null
	@cmake --build fuzz-build -j$(JOBS) --target codec_fuzz
	mkdir -p fuzz-build/corpus && cp -n fuzz/seeds/* fuzz-build/corpus/
	./fuzz-build/fuzz/codec_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 fuzz-build/corpus

clean:
	rm -rf $(BUILD) fuzz-build
