#!/bin/sh
# A base image for the Containerfile where no image registry can be reached: Debian
# bookworm made with debootstrap (minbase, plus python3 and its venv module), imported
# into podman as localhost/debian-python:bookworm. Needs root, debootstrap and podman
# (apt-get install -y debootstrap podman runc), and about two minutes.
#
#   scripts/container-base.sh [TAG]
set -eu
tag=${1:-localhost/debian-python:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" "$mirror" >/dev/null
tar -C "$root" -c . | podman import --quiet - "$tag" >/dev/null
echo "$tag"
