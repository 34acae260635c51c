#!/usr/bin/env bash
# Builds the agent programs that lifeline-rendezvous offers on its join page
# (serve --agent-dir DIR), named as the server looks for them:
#
#   build-agents.sh DIR [host] [linux] [windows]
#
#   host     lifeline-agent-<os>-<arch> for this machine (what `make run` needs)
#   linux    lifeline-agent-linux-amd64 (cgo, Fyne for X11)
#   windows  lifeline-agent-windows-amd64.exe, cross-built with mingw-w64
#            (cgo for Fyne's OpenGL window and robotgo; several minutes the
#            first time, seconds once Go's build cache has it)
#
# With no target, linux and windows. Programs are stripped of debug
# information (-s -w: a smaller download) and written under a temporary name
# first, so a running server never offers a half-written file.
#
# Signing the Windows agent (optional): set LIFELINE_SIGN_CERT and
# LIFELINE_SIGN_KEY to PEM files of an Authenticode code-signing certificate
# and its key (and LIFELINE_SIGN_TIMESTAMP to an RFC 3161 timestamp URL if
# wanted); osslsigncode signs the program. The server keeps the signature
# valid when it bakes a session into a download (shared/agentconfig).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:?usage: build-agents.sh DIR [host] [linux] [windows]}
shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(linux windows)

export PATH="$PATH:/usr/local/go/bin"
export GOFLAGS=-tags=x11
mkdir -p "$out"

build() { # name, then environment assignments and go build flags
  local name=$1; shift
  local tmp="$out/.$name.tmp"
  echo "building $out/$name" >&2
  env "$@" -o "$tmp" ./agent
  mv -f "$tmp" "$out/$name"
}

for target in "${targets[@]}"; do
  case "$target" in
    host)
      build "lifeline-agent-$(go env GOOS)-$(go env GOARCH)" CGO_ENABLED=1 go build -ldflags "-s -w"
      ;;
    linux)
      if [ "$(go env GOARCH)" != amd64 ]; then
        echo "build-agents.sh: the linux target is built for amd64 on an amd64 machine only; use host here" >&2
        exit 2
      fi
      build lifeline-agent-linux-amd64 CGO_ENABLED=1 GOOS=linux GOARCH=amd64 go build -ldflags "-s -w"
      ;;
    windows)
      if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
        echo "build-agents.sh: x86_64-w64-mingw32-gcc is missing: apt-get install gcc-mingw-w64-x86-64 (packaging/scripts/deps.sh agents)" >&2
        exit 1
      fi
      # -H windowsgui: the customer double-clicks it and sees the Lifeline
      # window only, without a console window beside it.
      build lifeline-agent-windows-amd64.exe CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
        CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ go build -ldflags "-s -w -H windowsgui"
      if [ -n "${LIFELINE_SIGN_CERT:-}" ]; then
        exe="$out/lifeline-agent-windows-amd64.exe"
        ts=()
        [ -n "${LIFELINE_SIGN_TIMESTAMP:-}" ] && ts=(-ts "$LIFELINE_SIGN_TIMESTAMP")
        osslsigncode sign -certs "$LIFELINE_SIGN_CERT" -key "${LIFELINE_SIGN_KEY:?LIFELINE_SIGN_KEY is needed with LIFELINE_SIGN_CERT}" \
          -n "Lifeline agent" "${ts[@]}" -in "$exe" -out "$out/.signed.tmp"
        chmod 755 "$out/.signed.tmp"
        mv -f "$out/.signed.tmp" "$exe"
        echo "signed $exe" >&2
      fi
      ;;
    *)
      echo "build-agents.sh: unknown target $target (host, linux or windows)" >&2
      exit 2
      ;;
  esac
done
