#!/bin/sh
# Installs every Debian 12 package gst-rustvani needs to build, test and run
# its demo. Run as root, or as a user with sudo.
set -eu

PACKAGES="
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libsoup-3.0-dev libjson-glib-dev glib-networking ca-certificates
  gobject-introspection libgirepository1.0-dev gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3 python3-gi python3-gst-1.0
  libpocketsphinx-dev pocketsphinx-en-us libespeak-ng-dev espeak-ng sox
  valgrind curl
  clang libclang-rt-14-dev
"

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
else
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
