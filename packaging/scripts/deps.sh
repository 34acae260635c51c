#!/usr/bin/env bash
# Installs the Debian packages a make target needs, once.
#   deps.sh run|test|bench|lint|agents
# As root, missing packages are installed with apt-get. Otherwise the exact
# apt-get line is printed and the script fails, so nothing half-works.
set -euo pipefail

# What building the agent and the console needs: cgo for Fyne's OpenGL
# window (built with -tags x11) and robotgo's input injection.
build=(ca-certificates gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
       libxinerama-dev libxi-dev libxxf86vm-dev libxtst-dev libxkbcommon-dev libxkbcommon-x11-dev libpng-dev)
# What the tests run: a throwaway PostgreSQL, an X server with a terminal
# to type into, and the GL drivers for Fyne under Xvfb.
xtest=(xvfb xauth xfonts-base x11-utils x11-xserver-utils xterm xdotool libgl1-mesa-dri imagemagick)
# The join page's tests: a headless browser, and Authenticode signing of a
# stand-in Windows program.
webtest=(chromium osslsigncode)

case "${1:-}" in
  run)   pkgs=("${build[@]}") ;;
  test)  pkgs=("${build[@]}" "${xtest[@]}" "${webtest[@]}" postgresql) ;;
  bench) pkgs=("${build[@]}" "${xtest[@]}" ffmpeg curl) ;;
  lint)  pkgs=("${build[@]}") ;;
  # The Windows agent is cross-built with cgo (Fyne, robotgo) by mingw-w64.
  agents) pkgs=("${build[@]}" gcc-mingw-w64-x86-64) ;;
  *) echo "usage: $0 run|test|bench|lint|agents" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
