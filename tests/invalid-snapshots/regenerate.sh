#!/usr/bin/env bash
# Rebuilds the invalid-snapshot corpus from the valid example
# (data-contracts/examples/snapshot) plus one edit per case.
#
# Each case is a folder: a snapshot with exactly one thing wrong, sealed with
# `corte seal` so that its corte.json carries the right sizes and SHA-256 of
# its members (except in the cases about exactly that), and a file
# expected-error.txt whose every line must appear in the error message.
# The committed folders are what tests/invalid_snapshots.rs reads; this script
# documents how each was made and remakes them after the example changes.
#
# Usage: tests/invalid-snapshots/regenerate.sh        (from anywhere)
#        CORTE=/path/to/corte tests/invalid-snapshots/regenerate.sh
# Needs bash, awk, tar, gzip, iconv, and sha256sum or shasum.

set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
example="$root/data-contracts/examples/snapshot"
PROCESS=cdmx-2024
SEQ=12
TS=2024-06-02T23:30:00-06:00

corte() {
    if [ -n "${CORTE:-}" ]; then
        "$CORTE" "$@"
    else
        cargo run --quiet --manifest-path "$root/Cargo.toml" -- "$@"
    fi
}

# ------------------------------------------------------------------ helpers

# start NAME: a fresh, unsealed copy of the example in the case folder $dir.
start() {
    dir="$here/$1"
    rm -rf "$dir"
    mkdir -p "$dir/actas"
    cp "$example/catalog.json" "$dir/"
    cp "$example"/actas/*.csv "$dir/actas/"
}

# expect LINE...: each line must appear in the error message.
expect() { printf '%s\n' "$@" > "$dir/expected-error.txt"; }

seal() { corte seal "$dir" --process "$PROCESS" --seq "$SEQ" --timestamp "$TS" > /dev/null; }

# rewrite FILE AWK-PROGRAM [VAR=VALUE...]: run awk over a file in place.
rewrite() {
    local file=$1 prog=$2
    shift 2
    env "$@" awk "$prog" "$file" > "$file.tmp"
    mv "$file.tmp" "$file"
}

# replace FILE OLD NEW [first]: literal replacement, every occurrence or the first.
replace() {
    grep -qF -- "$2" "$1" || { echo "regenerate.sh: '$2' not in $1" >&2; exit 1; }
    rewrite "$1" '{
        line = $0; out = ""
        while (!done && (i = index(line, ENVIRON["OLD"])) > 0) {
            out = out substr(line, 1, i - 1) ENVIRON["NEW"]
            line = substr(line, i + length(ENVIRON["OLD"]))
            if (ENVIRON["FIRST"] != "") done = 1
        }
        print out line
    }' OLD="$2" NEW="$3" FIRST="${4:-}"
}

# setfield FILE LINE COLUMN VALUE: one CSV field (1-based line and column).
setfield() {
    rewrite "$1" 'BEGIN { FS = OFS = "," } NR == ENVIRON["L"] + 0 { $(ENVIRON["C"] + 0) = ENVIRON["V"] } { print }' \
        L="$2" C="$3" V="$4"
}

# getfield FILE LINE COLUMN
getfield() { awk -F, -v l="$2" -v c="$3" 'NR == l { print $c }' "$1"; }

# delfield FILE COLUMN: drops a column from every line.
delfield() {
    rewrite "$1" 'BEGIN { FS = "," } {
        out = ""; sep = ""
        for (i = 1; i <= NF; i++) if (i != ENVIRON["C"] + 0) { out = out sep $i; sep = "," }
        print out
    }' C="$2"
}

# swapfields FILE A B: swaps two columns on every line.
swapfields() {
    rewrite "$1" 'BEGIN { FS = OFS = "," } { a = ENVIRON["A"] + 0; b = ENVIRON["B"] + 0; t = $a; $a = $b; $b = t; print }' \
        A="$2" B="$3"
}

# addcolumn FILE NAME VALUE: appends a column, NAME in the header, VALUE below.
addcolumn() {
    rewrite "$1" '{ print $0 "," (NR == 1 ? ENVIRON["N"] : ENVIRON["V"]) }' N="$2" V="$3"
}

# copyline FILE N: appends a copy of line N.
copyline() { rewrite "$1" 'NR == ENVIRON["L"] + 0 { keep = $0 } { print } END { print keep }' L="$2"; }

# dropline FILE N
dropline() { rewrite "$1" 'NR != ENVIRON["L"] + 0 { print }' L="$2"; }

# drop_member FILE PATH: removes one member object from a corte.json as
# `corte seal` pretty-prints it (five lines per member).
drop_member() {
    rewrite "$1" '{ line[NR] = $0 }
        index($0, "\"path\": \"" ENVIRON["P"] "\"") { p = NR }
        END {
            last = (line[p + 3] !~ /,$/)
            for (i = 1; i <= NR; i++) {
                if (i >= p - 1 && i <= p + 3) continue
                if (last && i == p - 2) sub(/,$/, "", line[i])
                print line[i]
            }
        }' P="$2"
}

size() { wc -c < "$1" | tr -d ' '; }
sha() {
    if command -v sha256sum > /dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}
# declared_sha CORTE_JSON PATH: the SHA-256 corte.json declares for a member.
declared_sha() { grep -A2 "\"path\": \"$2\"" "$1" | awk -F'"' '$2 == "sha256" { print $4 }'; }

# tgz DIR OUT: packs DIR's snapshot files under one top folder, as producers do.
tgz() {
    local src=$1 out=$2 top tmp f
    top=$(basename "$out" .tar.gz)
    tmp=$(mktemp -d)
    mkdir "$tmp/$top"
    for f in catalog.json actas corte.json; do
        if [ -e "$src/$f" ]; then cp -R "$src/$f" "$tmp/$top/"; fi
    done
    if tar --version 2> /dev/null | grep -q GNU; then
        (cd "$tmp" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "$top") | gzip -n > "$out"
    else
        (cd "$tmp" && tar -cf - "$top") | gzip -n > "$out"
    fi
    rm -rf "$tmp"
}

# The example's files, by line and column, as the edits below use them.
# actas/GUB.csv: line 3 = 093950B0100 A02 (captured); line 7 = 093951C0200 (sin acta);
#   columns 1 CLAVE_CASILLA, 2 TIPO_ACTA, 3 ESTADO, 4 PAN, 5 PRI, 6 PRD, 10 MORENA,
#   19 NO_REGISTRADAS, 26 CODIGO_INTEGRIDAD, 27 MECANISMOS_TRASLADO, 29 FECHA_HORA_CAPTURA,
#   33 TIPO_DOCUMENTO.
# actas/DIP_LOC.csv: line 7 = 094107B0100 in distrito 025, where no coalition runs;
#   column 13 PAN_PRI_PRD.
GUB=actas/GUB.csv

rm -rf "${here:?}"/*/

# ============================================================ corte.json

start corte-json-missing
# Not sealed: the exporter has not finished (or died before writing corte.json).
expect "incomplete: corte.json is missing (it is written last"

start corte-json-truncated
seal
# corte.json written in place and read half-way, instead of renamed in.
head -c 120 "$dir/corte.json" > "$dir/corte.json.tmp" && mv "$dir/corte.json.tmp" "$dir/corte.json"
expect "corte.json: is not valid JSON: EOF while parsing"

start corte-version-unknown
seal
replace "$dir/corte.json" '"contract_version": 1' '"contract_version": 2'
expect "corte.json, field contract_version: contract version 2 is not supported: this corte reads version 1"

start corte-version-not-a-number
seal
replace "$dir/corte.json" '"contract_version": 1' '"contract_version": "1.0"'
expect 'corte.json, field contract_version: `contract_version` is "1.0", not a whole number'

start corte-unknown-field
seal
replace "$dir/corte.json" '"final": false,' '"final": false, "firma": "d2e3",'
expect "corte.json: not a valid corte.json: unknown field \`firma\`"

start corte-timestamp-malformed
seal
replace "$dir/corte.json" "\"$TS\"" '"2024-06-02 23:30"'
expect "corte.json, field timestamp: \`2024-06-02 23:30\` is not a timestamp with offset"

start corte-timestamp-as-published
seal
# The Anexo 13 database prints times this way; the snapshot contract does not.
replace "$dir/corte.json" "\"$TS\"" '"02/06/2024 23:30 (UTC-6)"'
expect "corte.json, field timestamp: \`02/06/2024 23:30 (UTC-6)\` is not a timestamp with offset" \
    "expected RFC 3339, e.g. 2024-06-02T20:00:00-06:00"

start corte-seq-zero
seal
replace "$dir/corte.json" '"seq": 12,' '"seq": 0,'
expect "corte.json, field seq: corte sequence numbers start at 1"

start corte-process-mismatch
seal
replace "$dir/corte.json" "\"process_id\": \"$PROCESS\"" '"process_id": "cdmx-2024-simulacro"'
expect "corte.json, field process_id: process \`cdmx-2024-simulacro\` does not match catalog.json's process \`cdmx-2024\`"

start corte-process-id-not-plain
seal
replace "$dir/corte.json" "\"process_id\": \"$PROCESS\"" '"process_id": "cdmx 2024"'
expect "corte.json, field process_id: \`cdmx 2024\` is not a plain key: it contains ' '"

start member-path-climbs-out
seal
# A member path that would read outside the snapshot folder.
replace "$dir/corte.json" '"path": "actas/GUB.csv"' '"path": "actas/../../GUB.csv"'
expect "corte.json, field members[2].path: \`actas/../../GUB.csv\`: the election id \`../../GUB\` is not a plain key: it contains '.'"

start member-not-a-snapshot-file
seal
replace "$dir/corte.json" '"path": "actas/ALC.csv"' '"path": "LEEME.txt"'
expect "corte.json, field members[0].path: \`LEEME.txt\` is not a snapshot member (catalog.json or actas/<ELECTION>.csv)"

start member-election-id-with-space
# The file of an election whose id has a space; seal refuses such a name, so
# the file is renamed after sealing (its bytes, size and hash are unchanged).
seal
mv "$dir/actas/ALC.csv" "$dir/actas/AL C.csv"
replace "$dir/corte.json" '"path": "actas/ALC.csv"' '"path": "actas/AL C.csv"'
expect "corte.json, field members[0].path: \`actas/AL C.csv\`: the election id \`AL C\` is not a plain key: it contains ' '"

start member-listed-twice
seal
replace "$dir/corte.json" '"path": "actas/DIP_LOC.csv"' '"path": "actas/ALC.csv"'
expect "corte.json, field members[1].path: \`actas/ALC.csv\` is listed twice"

start catalog-not-listed
seal
drop_member "$dir/corte.json" catalog.json
expect "corte.json, field members: catalog.json is not listed among the members"

start member-missing
seal
# Listed in corte.json but not (or not yet) in the folder.
rm "$dir/actas/ALC.csv"
expect "incomplete: actas/ALC.csv is listed in corte.json but missing"

start member-wrong-size
seal
old=$(size "$dir/$GUB")
# The last row is cut off: a member still being written when corte.json was.
dropline "$dir/$GUB" 15
expect "incomplete: actas/GUB.csv is $(size "$dir/$GUB") bytes of the $old corte.json says (still being written, or cut short)"

start member-longer-than-declared
seal
old=$(size "$dir/$GUB")
# A row appended after sealing: complete and wrong, not still arriving.
copyline "$dir/$GUB" 3
expect "actas/GUB.csv: is $(size "$dir/$GUB") bytes, but corte.json says $old (altered)"

start member-symlink-out
seal
# A member replaced by a link out of the snapshot after sealing: refused by
# name, neither followed nor quoted.
rm "$dir/$GUB"
ln -s /etc/passwd "$dir/$GUB"
expect "refused: actas/GUB.csv is a symbolic link, not a regular file: only regular files are read"

start actas-not-listed
seal
# An actas file that arrived after corte.json.
cp "$dir/$GUB" "$dir/actas/DIP_FED.csv"
expect "actas/DIP_FED.csv: is in the snapshot, but corte.json does not list it"

start member-wrong-sha256
seal
declared_sha=$(declared_sha "$dir/corte.json" actas/GUB.csv)
# One vote changed after sealing, same length: 131 → 137.
setfield "$dir/$GUB" 3 4 137
expect "actas/GUB.csv: SHA-256 is $(sha "$dir/$GUB"), but corte.json says $declared_sha (altered or corrupted)"

# ============================================================ archives

start archive-corrupt
seal
tgz "$dir" "$dir/full.tar.gz"
# An archive cut short: a partial upload or copy.
head -c "$(($(size "$dir/full.tar.gz") / 2))" "$dir/full.tar.gz" > "$dir/snapshot.tar.gz"
rm -rf "$dir/full.tar.gz" "$dir/catalog.json" "$dir/actas" "$dir/corte.json"
expect "snapshot.tar.gz: incomplete: full/actas/GUB.csv: cannot read: incomplete deflate stream"

start archive-without-corte-json
# Packed before corte.json was written.
tgz "$dir" "$dir/snapshot.tar.gz"
rm -rf "$dir/catalog.json" "$dir/actas"
expect "incomplete: corte.json is missing from the archive"

start archive-duplicate-entry
seal
tgz "$dir" "$dir/snapshot.tar.gz"
# A second entry of one name appended (tar -r): which one is the snapshot?
gzip -dc "$dir/snapshot.tar.gz" > "$dir/snapshot.tar"
mkdir -p "$dir/dup/snapshot/actas"
cp "$dir/$GUB" "$dir/dup/snapshot/actas/GUB.csv"
echo >> "$dir/dup/snapshot/actas/GUB.csv"
tar --owner=0 --group=0 --mtime=@0 -rf "$dir/snapshot.tar" -C "$dir/dup" snapshot/actas/GUB.csv
gzip -n -c "$dir/snapshot.tar" > "$dir/snapshot.tar.gz"
rm -rf "$dir/snapshot.tar" "$dir/dup" "$dir/catalog.json" "$dir/actas" "$dir/corte.json"
expect "snapshot.tar.gz: refused: the archive has two entries named snapshot/actas/GUB.csv: which one is the snapshot is ambiguous"

start archive-member-symlink
seal
rm "$dir/$GUB"
ln -s /etc/passwd "$dir/$GUB"
tgz "$dir" "$dir/snapshot.tar.gz"
rm -rf "$dir/catalog.json" "$dir/actas" "$dir/corte.json"
expect "snapshot.tar.gz: refused: snapshot/actas/GUB.csv is a symbolic link inside the archive: only regular files are read"

# ============================================================ corte times

start corte-timestamp-future
corte seal "$dir" --process "$PROCESS" --seq "$SEQ" --timestamp 2099-06-02T23:30:00-06:00 > /dev/null
expect "corte.json, field timestamp: \`2099-06-02T23:30:00-06:00\` is " "ahead of this machine's clock"

start corte-offset-impossible
seal
replace "$dir/corte.json" "$TS" 2024-06-02T23:30:00+23:59
expect "corte.json, field timestamp: \`2024-06-02T23:30:00+23:59\` has the UTC offset +23:59, which no time zone uses"

start corte-year-zero
seal
replace "$dir/corte.json" "$TS" 0000-06-02T23:30:00-06:00
expect "corte.json, field timestamp: \`0000-06-02T23:30:00-06:00\` is in the year 0, before any PREP (1990)"

# ============================================================ catalog.json

start catalog-time-zone-unknown
replace "$dir/catalog.json" '"America/Mexico_City"' '"America/Ciudad_Gotica"'
seal
expect "catalog.json, field time_zone: \`America/Ciudad_Gotica\` is not an IANA time zone (tz database 2025b)"

start catalog-version-unknown
replace "$dir/catalog.json" '"contract_version": 1' '"contract_version": 2'
seal
expect "catalog.json, field contract_version: contract version 2 is not supported: this corte reads version 1"

start catalog-malformed-json
# A trailing comma, as hand edits leave them.
replace "$dir/catalog.json" '{"id": "013", "name": "XOCHIMILCO"}' '{"id": "013", "name": "XOCHIMILCO"},'
seal
line=$(($(grep -n '"name": "XOCHIMILCO"},' "$dir/catalog.json" | cut -d: -f1) + 1))
expect "catalog.json: is not valid JSON: trailing comma at line $line column 3"

start catalog-not-utf8
# Exported in Latin-1 (CIUDAD DE MÉXICO, ALCALDÍAS…) instead of UTF-8.
iconv -f UTF-8 -t ISO-8859-1 "$dir/catalog.json" > "$dir/catalog.json.tmp" && mv "$dir/catalog.json.tmp" "$dir/catalog.json"
seal
# corte reads it as far as contract_version, then calls the encoding a contract
# problem (see the report); the message should say the file is not UTF-8.
expect "catalog.json" "not valid UTF-8"

start catalog-unknown-field
# A field the contract does not have (deny_unknown_fields): tipo_casilla for tipo.
replace "$dir/catalog.json" '"key": "093950B0100", "seccion": "3950", "tipo": "B"' '"key": "093950B0100", "seccion": "3950", "tipo_casilla": "B"'
seal
expect "catalog.json: does not follow the catalog contract: unknown field \`tipo_casilla\`"

start casilla-key-climbs-out
replace "$dir/catalog.json" '"key": "093950B0100"' '"key": "../093950B0100"'
seal
expect "catalog.json, field casillas[1].key: \`../093950B0100\` is not a plain key: it contains '.'"

start casilla-twice
replace "$dir/catalog.json" '"key": "093950C0100"' '"key": "093950B0100"'
seal
expect "catalog.json, field casillas[2].key: casilla \`093950B0100\` appears twice"

start election-id-with-space
# Renamed everywhere in the catalog, so the first thing wrong is the id itself.
replace "$dir/catalog.json" '"GUB"' '"JEFATURA GOB"'
seal
expect "catalog.json, field elections[0].id: \`JEFATURA GOB\` is not a plain key: it contains ' '"

start especial-without-boletas
replace "$dir/catalog.json" ', "boletas": 750' ''
seal
expect "catalog.json, field casillas[13].boletas: casilla especial \`094107S0100\` needs \`boletas\`"

start seccion-unknown-distrito
replace "$dir/catalog.json" '{"id": "4108", "distrito": "025"' '{"id": "4108", "distrito": "026"'
seal
expect "catalog.json, field secciones[5].distrito: sección \`4108\` names distrito \`026\`, which is not in \`distritos\`"

start casilla-unknown-seccion
replace "$dir/catalog.json" '"key": "093950C0100", "seccion": "3950"' '"key": "093950C0100", "seccion": "3952"'
seal
expect "catalog.json, field casillas[2].seccion: casilla \`093950C0100\` names sección \`3952\`, which is not in \`secciones\`"

start candidacy-unknown-column
replace "$dir/catalog.json" '{"unit": "025", "options": ["CSP"]' '{"unit": "025", "options": ["CAND_IND_1"]'
seal
expect "catalog.json, field elections[1].candidacies[10].options: column \`CAND_IND_1\` is not an option of election \`DIP_LOC\`"

start comun-shares-not-10000
# Only the first (DIP_LOC) candidatura común: 53.33 + 20 + 26.66 = 99.99 %.
replace "$dir/catalog.json" '"shares": [5333, 2000, 2667]' '"shares": [5333, 2000, 2666]' first
seal
expect "catalog.json, field elections[1].options[8].shares: shares add up to 9999 basis points, not 10000"

start colour-not-rrggbb
replace "$dir/catalog.json" '"color": "#0059B3"' '"color": "#0059B"'
seal
expect "catalog.json, field parties[0].color: colour \`#0059B\` is not of the form #RRGGBB"

# ============================================================ actas/*.csv

start unknown-election
# A file for an election the catalog does not have.
cp "$dir/$GUB" "$dir/actas/DIP_FED.csv"
seal
expect "actas/DIP_FED.csv: unknown election \`DIP_FED\`: catalog.json has no such election"

start actas-empty-file
: > "$dir/actas/ALC.csv"
seal
expect "actas/ALC.csv, row 1: is empty; the first line must be the header"

start unknown-casilla
setfield "$dir/$GUB" 13 1 094170B0100
seal
expect "actas/GUB.csv, row 13, field CLAVE_CASILLA: unknown casilla \`094170B0100\`: it is not in catalog.json"

start casilla-key-climbs-out-in-actas
setfield "$dir/$GUB" 3 1 ../093950B0100
seal
expect "actas/GUB.csv, row 3, field CLAVE_CASILLA: \`../093950B0100\` is not a plain key: it contains '.'"

start acta-type-not-expected
setfield "$dir/$GUB" 3 2 A03
seal
expect "actas/GUB.csv, row 3, field TIPO_ACTA: casilla \`093950B0100\` expects no acta of type \`A03\` for election \`GUB\`"

start duplicate-acta
copyline "$dir/$GUB" 3
seal
expect "actas/GUB.csv, row 16, field CLAVE_CASILLA: duplicate acta \`093950B0100\` \`A02\`: already at row 3"

start bad-estado
setfield "$dir/$GUB" 3 3 CAPTURADO
seal
expect "actas/GUB.csv, row 3, field ESTADO: \`CAPTURADO\` is not one of CAPTURADA, SIN_ACTA_PAQUETE_NO_ENTREGADO, SIN_ACTA_CASILLA_NO_INSTALADA, SIN_ACTA_PAQUETE_SIN_BOLSA, SIN_ACTA, FUERA_CATALOGO"

start negative-votes
setfield "$dir/$GUB" 3 4 -5
seal
expect "actas/GUB.csv, row 3, field PAN: \`-5\` is negative; votes are whole numbers from 0"

start non-integer-votes
setfield "$dir/$GUB" 3 5 34.5
seal
expect "actas/GUB.csv, row 3, field PRI: \`34.5\` is not a whole number"

start votes-not-a-number
setfield "$dir/$GUB" 3 5 N/A
seal
expect "actas/GUB.csv, row 3, field PRI: \`N/A\` is not a number, ILEGIBLE or SIN DATO"

start overflowing-votes
setfield "$dir/$GUB" 3 10 99999999999999999999
seal
expect "actas/GUB.csv, row 3, field MORENA: \`99999999999999999999\` is too large: a field holds at most 999999999"

start vote-off-ballot
# PAN_PRI_PRD does not run in distrito 025.
setfield "$dir/actas/DIP_LOC.csv" 7 13 3
seal
expect "actas/DIP_LOC.csv, row 7, field PAN_PRI_PRD: holds \`3\`, but the option is not on the ballot of this acta's contest unit; leave it empty"

start empty-vote-on-ballot
setfield "$dir/$GUB" 3 10 ""
seal
expect "actas/GUB.csv, row 3, field MORENA: is empty, but the option is on this acta's ballot"

start sin-acta-with-votes
setfield "$dir/$GUB" 7 4 12
seal
expect "actas/GUB.csv, row 7, field PAN: a sin-acta row carries no votes; leave it empty"

start header-missing-column
delfield "$dir/$GUB" 6
seal
expect "actas/GUB.csv, row 1, field PVEM: column 6 is \`PVEM\`, expected \`PRD\`"

start header-renamed-column
# The IECM simulacro calls it NO_REGISTRADOS; this catalog says NO_REGISTRADAS.
setfield "$dir/$GUB" 1 19 NO_REGISTRADOS
seal
expect "actas/GUB.csv, row 1, field NO_REGISTRADOS: column 19 is \`NO_REGISTRADOS\`, expected \`NO_REGISTRADAS\`"

start header-columns-out-of-order
swapfields "$dir/$GUB" 4 5
seal
expect "actas/GUB.csv, row 1, field PRI: column 4 is \`PRI\`, expected \`PAN\`"

start header-extra-column
# A derived value exported as if it were input.
addcolumn "$dir/$GUB" CONTABILIZADA 1
seal
expect "actas/GUB.csv, row 1, field CONTABILIZADA: unexpected column \`CONTABILIZADA\`"

start row-wrong-length
# The last field of a row is missing.
rewrite "$dir/actas/ALC.csv" 'NR == 4 { sub(/,[^,]*$/, "") } { print }'
seal
expect "actas/ALC.csv, row 4: has 29 fields; the header has 30"

start acta-timestamp-malformed
setfield "$dir/$GUB" 3 29 "02/06/2024 20:43:50 (UTC-6)"
seal
expect "actas/GUB.csv, row 3, field FECHA_HORA_CAPTURA: \`02/06/2024 20:43:50 (UTC-6)\` is not a timestamp with offset"

start acta-timestamp-without-offset
setfield "$dir/$GUB" 3 29 2024-06-02T20:43:50
seal
expect "actas/GUB.csv, row 3, field FECHA_HORA_CAPTURA: \`2024-06-02T20:43:50\` is not a timestamp with offset"

start codigo-integridad-uppercase
upper=$(getfield "$dir/$GUB" 3 26 | tr 'a-f' 'A-F')
setfield "$dir/$GUB" 3 26 "$upper"
seal
expect "actas/GUB.csv, row 3, field CODIGO_INTEGRIDAD: \`$upper\` is not a lowercase hex SHA-256 (64 characters 0-9a-f)"

start codigo-integridad-na
# The published database prints N/A where there is no image; the snapshot leaves it empty.
setfield "$dir/$GUB" 3 26 N/A
seal
expect "actas/GUB.csv, row 3, field CODIGO_INTEGRIDAD: \`N/A\` is not a lowercase hex SHA-256"

start bad-mecanismo
setfield "$dir/$GUB" 5 27 FIJO
seal
expect "actas/GUB.csv, row 5, field MECANISMOS_TRASLADO: \`FIJO\` is not one of D, F, I"

start non-utf8-field
# A Latin-1 non-breaking space (0xA0) pasted from a spreadsheet.
setfield "$dir/$GUB" 3 33 $'ACTA\xa0PREP'
seal
expect "actas/GUB.csv, row 3, field TIPO_DOCUMENTO: is not valid UTF-8"

start observacion-publicada-on-sin-acta
addcolumn "$dir/$GUB" OBSERVACION_PUBLICADA ""
setfield "$dir/$GUB" 7 34 NINGUNA
seal
expect "actas/GUB.csv, row 7, field OBSERVACION_PUBLICADA: only a captured acta can carry a published observation"

echo "regenerated $(find "$here" -mindepth 1 -maxdepth 1 -type d | wc -l | tr -d ' ') cases in $here"
