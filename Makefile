# zkrs: a drop-in libzookeeper_mt and a bundled ZooKeeper server.
#   make demo   build everything, start the bundled server, run the scenario
#   make test   every test (installs the Debian packages the tests use when missing)

CARGO ?= cargo

.PHONY: all build deps demo test lint clean

all: build

build:
	$(CARGO) build --release

deps:
	scripts/install-deps.sh

demo: build
	scripts/demo.sh

test: deps
	$(CARGO) build --release
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
