# The README's two commands. Everything they need is installed by scripts/setup.sh.
.PHONY: run test setup ui app test-build bench package clean

setup:
	@scripts/setup.sh

ui: setup
	@scripts/build-ui.sh

# The app as `make run` opens it.
app: ui
	@cargo build --quiet -p skinspire-verify-desk

run: app
	@scripts/run.sh

# Build every test target and the app binary the end-to-end tests drive, once.
test-build: ui
	@cargo test --workspace --quiet --no-run

test: test-build
	@scripts/test.sh

# The release .deb and .rpm, with the pinned Tauri CLI (target/release/bundle/).
package: setup
	@scripts/package.sh

# Benchmarks (release build); results go to docs/benchmarks.md.
bench: setup
	@scripts/bench.sh

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules
