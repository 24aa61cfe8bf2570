#!/bin/sh
# Regenerate docs/workbook-charts.png: the charts sheet of the baseline's workbook.xlsx, as
# LibreOffice prints it (A4 landscape, the page the workbook sets up), cropped to its content.
#
# Needs LibreOffice Calc (soffice) and poppler-utils (pdftotext, pdftoppm), which CI does not
# install: apt-get install -y libreoffice-calc poppler-utils. Run from the repository root with
# the project's venv active (allocator on PATH; Pillow, a matplotlib dependency, crops):
#     sh docs/shots.sh
set -eu

out=docs/workbook-charts.png
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

allocator solve --inputs inputs/peru2040 --out "$tmp/run" > /dev/null
# a profile of its own: a LibreOffice already open elsewhere would take the job and ignore it
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to pdf \
    --outdir "$tmp" "$tmp/run/workbook.xlsx" > /dev/null 2>&1
# the charts sheet is the workbook's last sheet; its first page starts with the first chart's
# title (pages are split by form feeds in pdftotext's output)
page=$(pdftotext -layout "$tmp/workbook.pdf" - | awk -v RS='\f' \
    '$1 == "Allocation" && $2 == "by" && $3 == "sector" { n = NR } END { print n }')
if [ -z "$page" ]; then
    echo "shots.sh: no charts page in $tmp/workbook.pdf" >&2
    exit 1
fi
pdftoppm -f "$page" -l "$page" -r 110 -png -singlefile "$tmp/workbook.pdf" "$tmp/charts"
python - "$tmp/charts.png" "$out" <<'EOF'
"""Crop a printed page to what is printed on it, with a margin of 12 pixels."""
import sys

from PIL import Image, ImageChops

page = Image.open(sys.argv[1]).convert("RGB")
box = ImageChops.difference(page, Image.new("RGB", page.size, "white")).getbbox()
left, top, right, bottom = box
margin = 12
page.crop((left - margin, top - margin, right + margin, bottom + margin)).save(sys.argv[2])
EOF
echo "wrote $out (page $page of the workbook's PDF)"
