# Two commands: `make run` serves the demo unit on SQLite; `make test` runs every test.
.PHONY: run test bench
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
bench:
	bash scripts/bootstrap-venv.sh requirements-dev.txt && .venv/bin/python benchmarks/solver_bench.py
