# Thin wrapper over CMake. The two commands a newcomer runs: `make run`, `make test`.
JOBS ?= $(shell nproc)
DEMO_DIR ?= var/demo
LISTEN ?= 127.0.0.1:8443

.PHONY: all deps build build-asan run test fuzz bench clean lint deb

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j$(JOBS) --target teken teken-verify

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTEKEN_SANITIZE=ON -DTEKEN_TEST_CLOCK=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)

run: build
	@bash scripts/run-demo.sh build/teken $(DEMO_DIR) $(LISTEN)

test: build-asan
	@bash scripts/lint.sh
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS)
	@bash scripts/fuzz-smoke.sh

# make fuzz [FUZZ_SECONDS=300] [FUZZ_TARGETS="csr crl"] [FUZZ_JOBS=$(JOBS)] [FUZZ_MERGE=1]: see scripts/fuzz-smoke.sh.
fuzz: deps
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300) FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_JOBS=$(or $(FUZZ_JOBS),$(JOBS)) \
		FUZZ_MERGE=$(or $(FUZZ_MERGE),1) bash scripts/fuzz-smoke.sh

bench: build
	@for b in bench/*.sh; do bash $$b; done

lint: deps
	@bash scripts/lint.sh

# The Debian package (docs/install.md): a release build in build-deb/ installed
# under /usr, packaged by CPack; lintian lists what it still finds.
# Debian's hardening flags (dpkg-buildflags, hardening=+all: fortify, stack protector, relro, bindnow).
DEB_FLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get
deb: deps
	@cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
		-DCMAKE_C_FLAGS="$$($(DEB_FLAGS) CFLAGS) $$($(DEB_FLAGS) CPPFLAGS)" \
		-DCMAKE_EXE_LINKER_FLAGS="$$($(DEB_FLAGS) LDFLAGS)" >/dev/null
	@cmake --build build-deb -j$(JOBS) --target teken teken_installed teken-verify_installed teken_man
	@cd build-deb && cpack -G DEB
	@lintian --info build-deb/teken_*.deb || true

clean:
	rm -rf build build-asan build-fuzz build-lint build-deb
