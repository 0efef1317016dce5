# Makefile
#
# Builds leadflow.so from extension/ and worker/ with PGXS, generates the
# install script from the pieces in sql/0.1.0/, and drives the tests, the
# demo and the benchmarks.  `make test` and `make demo` are the two commands
# README.md gives; both check the build dependencies first.

MODULE_big = leadflow

# The control file lives in sql/ with the scripts, so EXTENSION (which
# expects it at the top) is not set; MODULEDIR puts both where CREATE
# EXTENSION looks.
MODULEDIR = extension
DATA = sql/leadflow.control

# Pure C and C++ (no PostgreSQL headers) that the cmocka tests link
# directly.  Listed by name; a file not written yet is skipped.
PURE_SRCS = \
	worker/schedule.c \
	extension/business_time.c \
	extension/email.c \
	extension/learn_math.c \
	extension/phone.cpp \
	extension/percentile.c \
	extension/score_math.c \
	extension/utf8.c
PURE_OBJS = $(addsuffix .o,$(basename $(wildcard $(PURE_SRCS))))

# Everything else in extension/ and worker/ is server code.
SERVER_OBJS = $(addsuffix .o,$(basename $(filter-out $(PURE_SRCS), \
	$(wildcard extension/*.c extension/*.cpp worker/*.c))))

OBJS = $(PURE_OBJS) $(SERVER_OBJS)

DATA_built = sql/leadflow--0.1.0.sql

# SQL regression tests: setup first, then one file per concern.
REGRESS = setup $(filter-out setup,$(sort $(basename $(notdir \
	$(wildcard tests/regress/sql/*.sql)))))
REGRESS_OPTS = --inputdir=tests/regress --outputdir=tests/regress

ISOLATION = $(sort $(basename $(notdir $(wildcard tests/isolation/specs/*.spec))))
ISOLATION_OPTS = --load-extension=leadflow --inputdir=tests/isolation --outputdir=tests/isolation

PG_CPPFLAGS = -Iextension -Iworker -Werror
SHLIB_LINK = -lphonenumber -lstdc++ -lm

EXTRA_CLEAN = tests/unit/*_test tests/regress/results \
	tests/regress/regression.diffs tests/regress/regression.out \
	tests/isolation/results tests/isolation/regression.diffs \
	tests/isolation/regression.out tests/worker/tmp_check

# leadflow's code gains nothing from JIT inlining, and skipping the bitcode
# keeps clang off the list of build dependencies.
override with_llvm = no

# Rebuild objects when a header they include changes: stale objects that
# disagree on the layout of shared memory must never be linked together.
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
PGXS := $(if $(wildcard $(PGXS)),$(PGXS))

ifeq ($(PGXS),)
ifdef LEADFLOW_DEPS_CHECKED
$(error pg_config ($(PG_CONFIG)) still finds no PGXS after the dependency check)
endif
# No server development files yet: the commands README gives first install
# them (or print the apt-get line), then start over with PGXS in place.
test demo bench all install:
	@tests/tools/deps.sh
	$(MAKE) --no-print-directory LEADFLOW_DEPS_CHECKED=1 $@
else
include $(PGXS)

# The install script is the pieces of sql/0.1.0/ in file-name order.
sql/leadflow--0.1.0.sql: $(sort $(wildcard sql/0.1.0/*.sql))
	cat $^ > $@

# ---------------------------------------------------------------------------
# Unit tests: cmocka programs linked with pure objects, without the server.
UNIT_CFLAGS = -std=gnu99 -Wall -Werror -g -O2 -Iextension -Iworker
UNIT_TESTS = $(basename $(wildcard tests/unit/*_test.c))
UNIT_LIBS = -lcmocka -lphonenumber -lstdc++ -lm

tests/unit/%_test: tests/unit/%_test.c $(PURE_OBJS)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(PURE_OBJS) $(UNIT_LIBS)

.PHONY: deps unit regress-check worker-check test demo bench

deps:
	@tests/tools/deps.sh

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo "== $$t"; ./$$t || exit 1; done

# SQL and isolation tests against a throwaway server; worker tests start
# their own servers.
regress-check:
	tests/tools/with_server.sh $(MAKE) --no-print-directory installcheck

worker-check:
	tests/tools/run_worker_tests.sh

test: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory install
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory regress-check
	$(MAKE) --no-print-directory worker-check
	@echo "make test: all parts passed"

demo: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory install
	tests/demo/run.sh

bench: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory install
	tests/bench/run.sh $(BENCH)

endif
