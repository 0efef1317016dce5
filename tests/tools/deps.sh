#!/bin/bash
# tests/tools/deps.sh
#
# Checks that the packages leadflow builds and tests with are present.  As
# root it installs what is missing with apt-get; otherwise it prints the
# exact apt-get line and fails, so that nothing half-builds.
set -euo pipefail

# package name, then a file whose presence proves the package is installed
# (pgxs.mk alone proves nothing: postgresql-client-15 ships it too, without
# the server headers)
checks=(
	"postgresql-15 /usr/lib/postgresql/15/bin/postgres"
	"postgresql-server-dev-15 /usr/include/postgresql/15/server/postgres.h"
	"postgresql-common /usr/bin/pg_virtualenv"
	"libcmocka-dev /usr/include/cmocka.h"
	"libphonenumber-dev /usr/include/phonenumbers/phonenumberutil.h"
	"libipc-run-perl /usr/share/perl5/IPC/Run.pm"
	"g++ /usr/bin/g++"
	"make /usr/bin/make"
)

missing=()
for c in "${checks[@]}"; do
	pkg=${c%% *}
	file=${c#* }
	[ -e "$file" ] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "leadflow needs packages that are not installed. Run:" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "installing build dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
