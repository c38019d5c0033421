# Entry points for developers and CI (.ci/run runs `make test`). One cargo profile, release, everywhere:
# the interop runner needs the release broker, so tests and builds share one set of artifacts.
CARGO ?= cargo
export CARGO
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)

.PHONY: build demo deps test interop test-kafka bench php python node c

build:
	$(CARGO) build --workspace --release

demo:
	$(CARGO) run --release -p ferrokafka-examples --bin demo

# Debian packages, Python and Node peers into .deps/ (skipped when present).
deps:
	bash scripts/deps.sh

# One build of everything: `--all-targets` builds the tests and, in the same invocation, the PHP
# extension (a cdylib `cargo test` does not build), so both see one feature resolution (core's
# dev-dependency adds tokio/test-util) and share every artifact. `cargo test` then only runs.
# ferrokafka-broker comes from that build too: the interop runner's own `cargo build -p` would
# resolve other features and compile tokio and the testkit again, so hand it that binary.
test: deps
	$(CARGO) build --workspace --release --all-targets
	$(CARGO) test --workspace --release
	bash bindings/php/run-tests.sh $(PHP_SO) $(TARGET_DIR)/release/ferrokafka-broker
	FERROKAFKA_BROKER=$(TARGET_DIR)/release/ferrokafka-broker bash tests/interop/run.sh
	bash scripts/kafka.sh test

# Third-party clients (kcat, confluent-kafka, kafka-python, KafkaJS) against ferrokafka-broker.
interop:
	bash tests/interop/run.sh

# The behaviour suite (tests/) against a real Apache Kafka broker: scripts/kafka.sh fetches Kafka 4.x with
# Maven (once, into ~/.m2), starts one KRaft broker on free ports, runs the suite with KAFKA_BOOTSTRAP set,
# and stops the broker.
test-kafka: deps
	bash scripts/kafka.sh test

# ferrokafka against librdkafka and the Java client, on the testkit and on Apache Kafka: one table (bench/run.sh,
# about 10 minutes on 2 cores; recorded runs in bench/RESULTS.md). Not part of `make test`.
bench: deps
	bash bench/run.sh

# The PHP extension (bindings/php, a drop-in for php-rdkafka): load it with extension=<the last line>.
PHP_SO := $(abspath $(TARGET_DIR))/release/libferrokafka_php.so
php:
	$(CARGO) build --release -p ferrokafka-php
	@echo "$(PHP_SO)"

# Not there yet: these fail on purpose rather than pass without testing anything.
python node c:
	@echo "$@: not yet implemented: the $@ binding (bindings/$@) does not exist yet" >&2; exit 1
