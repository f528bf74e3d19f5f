#!/usr/bin/env bash
# Renders the SVG icons of replica-monitor to the 64x64 PNGs that replica-monitor.qrc embeds
# (Qt's SVG module is not among Burrow's dependencies). Needs ImageMagick; run after editing an SVG.
set -euo pipefail
cd "$(dirname "$0")"
for svg in *.svg; do
    convert -background none -density 96 "$svg" -resize 64x64 "png32:${svg%.svg}.png"
done
ls -l ./*.png
