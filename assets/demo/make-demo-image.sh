#!/usr/bin/env bash
# Builds assets/demo/glovebox-demo.img.gz, the image `npm start` opens: a FAT16 "USB stick"
# made with the real tools (mkfs.fat from dosfstools, mtools), with a tree worth browsing and a
# few things a careful person should notice before double-clicking anything:
#
#   autorun.inf                      asks old Windows to run setup.exe on insertion
#   invoice.pdf.exe                  a program wearing a document's extension
#   Holiday photos.lnk               a Windows shortcut (can start any program)
#   "Payslip<RLO>fdp.scr"            a right-to-left override makes it read "Payslip rcs.pdf"
#   Documents/Contract.docm          a macro-enabled Office document
#
# None of them does anything: the "programs" are a few harmless bytes with the right magic.
# Needs: bash, python3, mkfs.fat, mtools (mmd, mcopy, mattrib), gzip. Deterministic: fixed
# volume id, SOURCE_DATE_EPOCH, TZ=UTC, files copied in byte order, gzip -n.
set -euo pipefail
export TZ=UTC LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1
export SOURCE_DATE_EPOCH=1714564800 # 2024-05-01T12:00:00Z

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$work/tree"
mkdir -p "$tree"

python3 - "$tree" <<'PY'
import os, struct, sys, zlib
root = sys.argv[1]
def w(path, data, when):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    os.utime(p, (when, when))

def png(width, height, pixel):
    rows = b''.join(b'\x00' + b''.join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b'')

T = 1714564800  # 2024-05-01 12:00 UTC
day = 86400
w('README.txt', 'This stick belongs to the Glovebox demo.\r\n\r\nBrowse it freely: nothing here is ever run, rendered or mounted.\r\nSome files are suspicious on purpose; Glovebox marks them.\r\n', T - 30 * day)
w('autorun.inf', '[autorun]\r\nopen=setup.exe\r\nicon=setup.exe,0\r\nlabel=Company Files\r\n', T - 20 * day)
w('setup.exe', b'MZ\x90\x00\x03\x00\x00\x00' + b'This program cannot be run in DOS mode.\r\n' + bytes(200), T - 20 * day)
w('invoice.pdf.exe', b'MZ\x90\x00\x03\x00\x00\x00' + b'Not really an invoice.' + bytes(100), T - 3 * day)
# The LNK header magic and CLSID, then nothing harmful.
w('Holiday photos.lnk', b'L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F' + bytes(56), T - 3 * day)
w('Payslip\u202efdp.scr', b'MZ\x90\x00' + b'A screensaver pretending to be a PDF.' + bytes(60), T - 2 * day)
w('Documents/Quarterly report.txt', 'Quarterly report, Q1 2024\n=========================\n\nRevenue   1,204,000\nCosts       987,500\nMargin      216,500 (18 %)\n\nNotes: the Lyon office opened in March; numbers are unaudited.\n', T - 10 * day)
w('Documents/Meeting notes.md', '# Meeting notes\n\n- Café order: 3 × espresso, 2 × thé vert\n- Next review: 14 June\n- Owner: Zoë Ångström\n', T - 9 * day)
w('Documents/budget.csv', 'item,amount\nlaptops,12000\nlicences,3400\ntravel,2800\n', T - 8 * day)
w('Documents/Unicode (UTF-16).txt', b'\xff\xfe' + 'Grüße aus Zürich: UTF-16 text with a byte order mark.\r\n'.encode('utf-16-le'), T - 8 * day)
w('Documents/Contract.docm', b'PK\x03\x04' + b'\x14\x00\x06\x00' + bytes(120), T - 7 * day)
w('Documents/Archive/2023/summary.txt', 'Summary of 2023: see the quarterly reports.\n', T - 200 * day)
w('Documents/Archive/2023/log.txt', ''.join(f'2023-{m:02d}-01 backup ok ({m * 37} files)\n' for m in range(1, 13)), T - 200 * day)
w('Documents/Archive/long-line.log', 'x' * 5000 + '\nend\n', T - 150 * day)
w('Pictures/sunset.png', png(96, 64, lambda x, y: (255 - y * 2, 120 + x // 2, 80 + y)), T - 15 * day)
w('Pictures/sea.png', png(96, 64, lambda x, y: (20 + x // 3, 90 + y, 180 + y // 2)), T - 15 * day)
w('Pictures/diagram.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="alert(1)"><circle cx="20" cy="20" r="15"/></svg>\n', T - 14 * day)
w('Pictures/Thumbs.db', bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) + bytes(504), T - 14 * day)
w('Drivers/printer/install.bat', '@echo off\r\necho This would install a printer driver.\r\n', T - 60 * day)
w('Drivers/printer/driver.inf', '[Version]\r\nSignature="$Windows NT$"\r\n', T - 60 * day)
w('Drivers/readme.txt', 'Printer drivers, version 2.1.\n', T - 60 * day)
w('desktop.ini', '[.ShellClassInfo]\r\nIconResource=setup.exe,0\r\n', T - 20 * day)
for d in ['Documents/Archive/2023', 'Documents/Archive', 'Documents', 'Pictures', 'Drivers/printer', 'Drivers']:
    os.utime(os.path.join(root, d), (T - 5 * day, T - 5 * day))
PY

img="$work/glovebox-demo.img"
mkfs.fat -C -F 16 -s 2 -n "DEMO STICK" -i 0x6c6f7665 --invariant "$img" 8192 >/dev/null
(cd "$tree" && find . -mindepth 1 -type d | LC_ALL=C sort) | while IFS= read -r d; do mmd -i "$img" "::/${d#./}"; done
(cd "$tree" && { echo .; find . -mindepth 1 -type d; } | LC_ALL=C sort) | while IFS= read -r d; do
  files=()
  while IFS= read -r -d '' f; do files+=("$f"); done < <(cd "$tree" && find "$d" -mindepth 1 -maxdepth 1 -type f -print0 | LC_ALL=C sort -z)
  [ ${#files[@]} -eq 0 ] && continue
  (cd "$tree" && mcopy -m -i "$img" "${files[@]}" "::/${d#./}/")
done
mattrib -i "$img" +h ::/autorun.inf ::/desktop.ini
mattrib -i "$img" +h +s ::/Pictures/Thumbs.db
gzip -n -9 -c "$img" > "$here/glovebox-demo.img.gz"
echo "assets/demo/glovebox-demo.img.gz: $(stat -c %s "$here/glovebox-demo.img.gz") bytes"
