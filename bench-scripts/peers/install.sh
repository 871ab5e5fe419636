#!/usr/bin/env bash
# Installs the peer runtimes of the benchmark suite with apt-get (Debian or
# Ubuntu): Ruby (3.1 on Debian 12, for the Ractor peers), Erlang/OTP (the
# erlang-base package: erl and escript) and Lua 5.4. Idempotent: a runtime
# already on the PATH is skipped, and nothing is installed when all are.
# Needs root (run it as root or with sudo) when anything is missing.
#   bash bench-scripts/peers/install.sh
set -euo pipefail

missing=()
command -v ruby >/dev/null || missing+=(ruby)
command -v escript >/dev/null || missing+=(erlang-base)
command -v lua5.4 >/dev/null || missing+=(lua5.4)

if [ ${#missing[@]} -eq 0 ]; then
    echo "peer runtimes already installed: $(ruby -e 'print RUBY_VERSION'), OTP $(erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().'), $(lua5.4 -v 2>&1 | cut -d' ' -f1-2)"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: installing ${missing[*]} needs root; run it with sudo" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
