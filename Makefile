# zkrs: a drop-in libzookeeper_mt and a bundled ZooKeeper server.
#   make demo   build everything, start the bundled server, run the scenario
#   make test   every test (installs the Debian packages the tests use when missing)

CARGO ?= cargo

# Where cargo puts what it builds: target/, unless CARGO_TARGET_DIR or a
# cargo config says otherwise.
TARGET_DIR := $(or $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null \
	| sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'),$(CURDIR)/target)
# The scripts find the built library and zkserver here.
export ZKRS_RELEASE_DIR := $(TARGET_DIR)/release

.PHONY: all build deps demo test lint clean

all: build

build:
	$(CARGO) build --release
	@# Programs look the library up by its soname.
	ln -sf libzookeeper_mt.so $(ZKRS_RELEASE_DIR)/libzookeeper_mt.so.2

deps:
	scripts/install-deps.sh

demo: build
	scripts/demo.sh

test: deps build
	$(CARGO) test --workspace
	ZK_SERVER_CMD="$(ZKRS_RELEASE_DIR)/zkserver --port 0" ZK_PREFIX=$(CURDIR) php-ext/run-tests.sh
	@# The same phpt suite under valgrind: an invalid access or a leak fails it.
	USE_ZEND_ALLOC=0 ZK_SERVER_CMD="$(ZKRS_RELEASE_DIR)/zkserver --port 0" ZK_PREFIX=$(CURDIR) php-ext/run-tests.sh -m

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
