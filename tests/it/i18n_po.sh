#!/bin/bash
# The Vietnamese catalogue is complete (issue 16): every message the sources
# in po/POTFILES mark with _(), N_() or ngettext() is in po/vi.po, translated,
# not fuzzy, and po/vi.po holds no message the sources no longer have. Also
# checks that a message added to a source without a translation is caught.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
T=$(mktemp -d "/tmp/loaxa-it-i18n-po.XXXXXX")
trap 'rm -rf "$T"' EXIT
command -v xgettext >/dev/null && command -v msgfmt >/dev/null || bail "gettext is not installed (tests/deps.sh)"

# pot FILES...: the catalogue template the sources make, into $T/new.pot
pot() {
	xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=ngettext:1,2 --keyword=errlist_add:2 --keyword=ERR:3 --keyword=L:1 --keyword=LG:1 \
		--keyword=reply_error:3 --keyword=control_message:4 --flag=reply_error:3:c-format --flag=control_message:4:c-format \
		--flag=errlist_add:2:c-format --flag=ERR:3:c-format --flag=L:1:pass-c-format --flag=LG:1:pass-c-format \
		--msgid-bugs-address= -o "$T/new.pot" "$@" 2>"$T/xgettext.err"
}
# po_problems PO: why the catalogue is not complete against $T/new.pot ("" if it is)
po_problems() {
	local stats
	stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$1" 2>&1) || { echo "msgfmt --check: $stats"; return; }
	case $stats in
	*fuzzy* | *untranslated*) echo "not complete: $stats" ;;
	esac
	LC_ALL=C msgcmp "$1" "$T/new.pot" >"$T/cmp1" 2>&1 || echo "messages of the sources missing from $1: $(grep -c 'this message is used but not defined' "$T/cmp1") ($(grep -m3 -A1 'not defined' "$T/cmp1" | tr '\n' ' '))"
	LC_ALL=C msgcmp --use-untranslated "$T/new.pot" "$1" >"$T/cmp2" 2>&1 || echo "messages in $1 the sources no longer have: $(grep -m3 -A1 'not defined' "$T/cmp2" | tr '\n' ' ')"
}

mapfile -t files < <(sed 's/#.*//' po/POTFILES | grep -v '^[[:space:]]*$')
pot "${files[@]}" || bail "xgettext: $(cat "$T/xgettext.err")"
n=$(grep -c '^msgid "' "$T/new.pot")
[ "$n" -gt 100 ] && ok "xgettext finds $n messages in ${#files[@]} sources" || nok "xgettext finds only $n messages"
# a source that marks messages but is not on the list would never be translated
unlisted=$(grep -l -E '\b(_|N_|ngettext)\("' src/*.c | grep -vxF -f <(printf '%s\n' "${files[@]}"))
[ -z "$unlisted" ] && ok "every source with marked messages is in po/POTFILES" || nok "not in po/POTFILES: $unlisted"

p=$(po_problems po/vi.po)
[ -z "$p" ] && ok "po/vi.po: every message translated, none fuzzy, none missing, none stale" || nok "po/vi.po: $p"

# every translation is NFC (full diacritics, precomposed)
if /usr/bin/python3 - po/vi.po <<'PY'; then ok "po/vi.po is UTF-8 in NFC"; else nok "po/vi.po is not NFC UTF-8"; fi
import sys, unicodedata
t = open(sys.argv[1], encoding="utf-8").read()
sys.exit(0 if unicodedata.normalize("NFC", t) == t else 1)
PY

# the check can fail: a new message in a copy of a source is caught
cp src/loaxactl.c "$T/loaxactl.c"
printf '%s\n' 'static const char *scratch_i16(void) { return _("a message nobody translated"); }' >>"$T/loaxactl.c"
others=()
for f in "${files[@]}"; do [ "$f" = src/loaxactl.c ] || others+=("$f"); done
pot "$T/loaxactl.c" "${others[@]}"
p=$(po_problems po/vi.po)
[[ $p == *missing* ]] && ok "a message added without a translation is caught" || nok "an untranslated new message went unnoticed: '$p'"

# ... and so is a fuzzy entry
pot "${files[@]}"
awk 'BEGIN{d=0} /^msgid "[^"]/ && !d {print "#, fuzzy"; d=1} {print}' po/vi.po >"$T/fuzzy.po"
p=$(po_problems "$T/fuzzy.po")
[[ $p == *fuzzy* ]] && ok "a fuzzy translation is caught" || nok "a fuzzy entry went unnoticed: '$p'"

# the catalogue the build uses is the one made from po/vi.po
mo=$BUILD/locale/vi/LC_MESSAGES/loaxa.mo
if [ -f "$mo" ] && [ ! po/vi.po -nt "$mo" ]; then ok "the build made $mo"; else nok "no up-to-date $mo (make)"; fi

# loaxad's own catalogue (issue 18) holds every message of the sources linked
# into loaxad (its link map), translated, and none of the other programs'.
dmo=$BUILD/locale/vi/LC_MESSAGES/loaxad.mo
if [ -f "$dmo" ] && [ ! po/vi.po -nt "$dmo" ] && [ -f "$BUILD/loaxad.map" ]; then
	linked=" $(grep -o 'libloaxa\.a([a-z0-9_]*\.o)' "$BUILD/loaxad.map" | sed 's/.*(\(.*\)\.o)/\1/' | tr '\n' ' ') loaxad "
	dfiles=()
	for f in "${files[@]}"; do [[ $linked == *" $(basename "$f" .c) "* ]] && dfiles+=("$f"); done
	pot "${dfiles[@]}"
	msgunfmt "$dmo" -o "$T/loaxad.po"
	p=$(po_problems "$T/loaxad.po" | grep -v 'no longer have')
	nd=$(grep -c '^msgid "' "$T/loaxad.po")
	[ ${#dfiles[@]} -ge 5 ] && [ -z "$p" ] && [ "$nd" -lt "$n" ] &&
		ok "$dmo: the $nd messages of the ${#dfiles[@]} sources linked into loaxad, all translated (of $n)" ||
		nok "$dmo (${#dfiles[@]} sources, $nd messages of $n): $p"
	# the check can fail: a catalogue short of one message is caught
	awk 'BEGIN{d=0} /^msgid "[^"]/ && !d {d=1; skip=1} skip && /^$/ {skip=0; next} !skip {print}' "$T/loaxad.po" >"$T/short.po"
	p=$(po_problems "$T/short.po")
	[[ $p == *missing* ]] && ok "a loaxad catalogue short of a message is caught" || nok "a short loaxad catalogue went unnoticed: '$p'"
	# the sources' message for loaxactl alone is not in it
	grep -q '^msgid "loaxactl' "$T/loaxad.po" && nok "loaxad's catalogue holds loaxactl's usage" || ok "loaxad's catalogue holds no loaxactl usage text"
else
	nok "no up-to-date $dmo and $BUILD/loaxad.map (make)"
fi
[ "$FAILED" -eq 0 ]
