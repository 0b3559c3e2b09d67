# chartkeep: every target is listed by `make help` (the default) and in README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CK := $(BIN)/chartkeep
PRACTICE ?= .
SERVE ?= 1
SIZE ?= 12000
DEB_PACKAGES := git-crypt chromium age openssh-client

.DEFAULT_GOAL := help
.PHONY: help setup system-deps test lint demo check new-note new-client new-group-note watch \
        init unlock lock status sign addendum attest cosign audit build serve bench schema clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/chartkeep: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/chartkeep ## Create .venv and install chartkeep with its test extras

system-deps: ## Install Debian packages the tests use (git-crypt, chromium, age, openssh-client) when root
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (for example: sudo apt-get install$$missing)"; exit 2; fi; fi

test: setup system-deps ## Install everything the tests need and run the whole suite
	$(BIN)/python -m pytest -q

lint: setup ## ruff and mypy
	$(BIN)/ruff check tools tests
	$(BIN)/mypy tools/chartkeep

demo: setup ## Build the fictional demo practice, check it, and serve its chart (SERVE=0: do not serve)
	$(BIN)/python -m chartkeep.demo --serve=$(SERVE)

check: setup ## Check the practice (PRACTICE=dir, default the repository)
	$(CK) check --practice $(PRACTICE)

schema: setup ## Print the JSON Schema of every record type
	$(CK) schema

new-client: setup ## New face sheet: make new-client NAME="..." DOB=YYYY-MM-DD
	$(CK) new-client --practice $(PRACTICE) $(if $(NAME),--name "$(NAME)") $(if $(DOB),--dob $(DOB))

new-note: setup ## New note: make new-note CLIENT=C0001 TYPE=soap [DATE=YYYY-MM-DD]
	$(CK) new-note --practice $(PRACTICE) $(CLIENT) $(TYPE) $(if $(DATE),--date $(DATE))

new-group-note: setup ## Group session: make new-group-note GROUP=name CLIENTS=C0001,C0002 (asks for what is left out)
	$(CK) new-group-note --practice $(PRACTICE) $(if $(GROUP),--group $(GROUP)) $(if $(CLIENTS),--clients $(CLIENTS))

watch: setup ## Re-check notes as they are saved
	$(CK) watch --practice $(PRACTICE)

init: setup ## Make PRACTICE an encrypted practice (git, keys, hooks)
	$(CK) init $(PRACTICE)

unlock: setup ## Unlock with KEY=path/to/keyfile
	$(CK) unlock --practice $(PRACTICE) $(KEY)

lock: setup ## Lock: remove keys and plaintext from the work tree
	$(CK) lock --practice $(PRACTICE)

status: setup ## List protected paths stored in plaintext anywhere in history
	$(CK) status --practice $(PRACTICE)

sign: setup ## Sign a note: make sign NOTE=notes/C0001/2026-11-27-soap.md [AS=clinician]
	$(CK) sign --practice $(PRACTICE) $(NOTE) $(if $(AS),--as $(AS))

addendum: setup ## Add an addendum: make addendum NOTE=... [AS=clinician]
	$(CK) addendum --practice $(PRACTICE) $(NOTE) $(if $(AS),--as $(AS))

attest: setup ## Attest a late signature: make attest NOTE=... AS=clinician REASON="..."
	$(CK) attest --practice $(PRACTICE) $(NOTE) --as $(AS) --reason "$(REASON)"

cosign: setup ## Co-sign as supervisor: make cosign NOTE=... AS=supervisor
	$(CK) cosign --practice $(PRACTICE) $(NOTE) --as $(AS)

audit: setup ## Practice audit report (exit 1 when anything needs action)
	$(CK) audit --practice $(PRACTICE)

build: setup ## Build the chart site into a private directory
	$(CK) build --practice $(PRACTICE)

serve: setup ## Serve the chart on http://127.0.0.1:8000 with a token
	$(CK) serve --practice $(PRACTICE)

BIG ?= 0
bench: setup system-deps ## Benchmarks at SIZE notes (default 12000; BIG=250000 adds one huge check); writes BENCHMARKS.md
	$(BIN)/python bench/run.py --size $(SIZE) --big $(BIG)

clean: ## Remove .venv and build leftovers
	rm -rf $(VENV) build *.egg-info tools/*.egg-info .pytest_cache
