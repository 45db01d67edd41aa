#!/bin/bash
# Languages and command-line conventions (issue 16): the main commands
# under LANG=vi_VN.UTF-8 and LANG=C speak Vietnamese and English, and their
# machine-readable output (log and report as CSV and JSON) is byte for byte
# the same in both; --version and --help on every program; loaxad says what
# is missing; singular and plural; schedule check lists every problem of a
# schedule at once, naming the slot or campaign, with "did you mean"; the
# station file's language for loaxad; status on a checkout; a refused
# bulletin add and loaxad --check's problems in both languages. TAP output.
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
CTL=$BUILD/loaxactl
D=$BUILD/loaxad
T=$(mktemp -d "/tmp/loaxa-it-i18n.XXXXXX")
trap 'rm -rf "$T"' EXIT
[ -x "$CTL" ] && [ -x "$D" ] || bail "$CTL and $D are not built"
locale -a 2>/dev/null | grep -qix 'vi_VN.utf8' || bail "the vi_VN.UTF-8 locale is not generated (sh tests/deps.sh)"
unset LANGUAGE LC_ALL LC_MESSAGES LOAXA_CONF
VI=(env LANG=vi_VN.UTF-8 LC_ALL= LANGUAGE=)
EN=(env LANG=C LC_ALL= LANGUAGE=)
# check WHAT COMMAND...: ok when the command succeeds, else not ok with its output
check() { local what=$1; shift; if "$@" >"$T/chk" 2>&1; then ok "$what"; else nok "$what"; sed 's/^/#   /' "$T/chk" | head -20; fi; }

version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)

# ---- --version, --help, what is missing ----
for p in loaxactl loaxad loaxa-web; do
	[ -x "$BUILD/$p" ] || { nok "$p is not built"; continue; }
	out=$("$BUILD/$p" --version 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ "$out" = "$p $version" ] && ok "$p --version: exit 0, \"$p $version\" (debian/changelog)" ||
		nok "$p --version: exit $rc, \"$out\" (want \"$p $version\")"
done
out=$("${EN[@]}" "$D" 2>&1)
rc=$?
[ $rc -eq 2 ] && grep -q 'no station file: give it with -c FILE' <<<"$out" && grep -q -- '--help' <<<"$out" &&
	grep -q -- '--version' <<<"$out" && ok "loaxad without -c: exit 2, says the station file is missing, usage lists --help and --version" ||
	nok "loaxad without -c: exit $rc: $out"
out=$("${VI[@]}" "$D" 2>&1)
grep -q 'thiếu tệp cấu hình đài' <<<"$out" && ok "loaxad without -c, in Vietnamese" || nok "loaxad without -c under vi_VN: $out"
out=$("$D" --help 2>&1)
[ $? -eq 0 ] && grep -q -- '--check' <<<"$out" && ok "loaxad --help: exit 0" || nok "loaxad --help: $out"
"$D" -x >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q 'unknown option -x' "$T/err" && ok "loaxad -x: exit 2, names the option" || nok "loaxad -x: $(cat "$T/err")"

"${EN[@]}" "$CTL" help >"$T/help.en"
"${VI[@]}" "$CTL" help >"$T/help.vi"
# every long option of every command is in `loaxactl help` (the options
# are read from the sources: struct option tables of loaxactl and the reports)
missing=""
for o in $(grep -ho '{"[a-z][a-z-]*", *\(required\|no\)_argument' src/loaxactl.c src/report_cli.c | sed 's/{"\([^"]*\)".*/\1/' | sort -u); do
	grep -q -- "--$o\b" "$T/help.en" || missing="$missing --$o"
done
[ -z "$missing" ] && ok "every option of loaxactl is in loaxactl help (--jobs, --version, --ids, ...)" || nok "options missing from loaxactl help:$missing"
head -1 "$T/help.en" | grep -q '^usage: loaxactl' && head -1 "$T/help.vi" | grep -q '^cách dùng: loaxactl' &&
	grep -q 'thư viện bản tin' "$T/help.vi" && ok "loaxactl help: English under LANG=C, Vietnamese under LANG=vi_VN.UTF-8" ||
	nok "loaxactl help: $(head -1 "$T/help.en") / $(head -1 "$T/help.vi")"
"${VI[@]}" "$CTL" --version >/dev/null && "${VI[@]}" "$CTL" --help >/dev/null && ok "loaxactl --version and --help: exit 0" || nok "loaxactl --version/--help"
"${VI[@]}" "$CTL" --frobnicate >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q 'không có tùy chọn --frobnicate' "$T/err" && ok "a wrong option in Vietnamese, exit 2 either way" || nok "loaxactl --frobnicate: $(cat "$T/err")"

# ---- a station ----
mkdir -p "$T/st/library"
cat >"$T/st/loaxa.conf" <<'CONF'
station = { id = "it-i18n"; commune_code = "99001"; district_code = "999"; name = "Xã Kiểm Thử"; };
paths = { library = "library"; journal = "journal"; schedule = "schedule.conf"; spool = "spool";
          control = "loaxad.sock"; state = "."; };
audio = { device = "null"; gain = 0.0; };
clock = { require_sync = false; };
limits = { weekdays = ["mon", "tue", "wed", "thu", "fri", "sat"]; };
CONF
ctl() { "$CTL" -c "$T/st/loaxa.conf" "$@"; }

# ---- plurals ----
cat >"$T/one.conf" <<'S'
serial = 1;
campaigns = ( { id = "atgt"; title = "An toàn giao thông"; bulletins = ["b1"]; target = 4; } );
slots = ( { id = "sang"; weekdays = ["mon"]; times = ["06:30"]; campaign = "atgt"; } );
S
out=$("${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" schedule check "$T/one.conf" 2>&1)
grep -q '1 problem in' <<<"$out" && ! grep -q '(s)\|1 problems' <<<"$out" && ok "1 problem, not 1 problems or problem(s)" || nok "plural of problem: $out"
audio_fixtures "$T/audio"
ctl bulletin add "$T/audio/v22k-mono.mp3" --id b1 --title "Bản tin 1" >/dev/null 2>"$T/err" || bail "bulletin add: $(cat "$T/err")"
if ctl bulletin list --ids >"$T/ids" 2>"$T/err"; then
	out=$("${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" schedule check "$T/one.conf" 2>&1)
	grep -q 'serial 1, 1 campaign, 1 slot, 0 blackouts: OK' <<<"$out" && ok "schedule check: 1 campaign, 1 slot, 0 blackouts" || nok "singular: $out"
	out=$("${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" schedule check "$T/one.conf" 2>&1)
	grep -q 'số hiệu 1, 1 chiến dịch, 1 khung giờ phát, 0 thời gian tạm ngừng phát: hợp lệ' <<<"$out" && ok "schedule check in Vietnamese" || nok "schedule check vi: $out"
	[ "$(cat "$T/ids")" = b1 ] && ok "bulletin list --ids: the ids, one a line" || nok "bulletin list --ids: $(cat "$T/ids")"
else
	nok "bulletin list --ids: $(cat "$T/err")"
fi

# ---- every problem at once ----
cat >"$T/bad.conf" <<'S'
serial = 2;
campaigns = (
  { id = "atgt"; title = "An toàn giao thông"; bulletins = ["b1", "b2"]; taget = 4; }
);
slots = (
  { id = "sang"; weekdays = ["mon", "tues"]; times = ["06:30"]; campaign = "atgtt"; },
  { id = "chieu"; times = ["25:00"]; bulletins = ["b_1"]; },
  { id = "cn"; weekdays = ["sun"]; times = ["07:00"]; campaign = "atgt"; }
);
S
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" schedule check "$T/bad.conf" >"$T/out" 2>"$T/err"
rc=$?
want=(
	"bad.conf:3: unknown key 'taget' in campaign atgt: did you mean 'target'?"
	"bad.conf:6: slot sang: 'weekdays' has \"tues\", not a weekday: did you mean \"tue\"?"
	"bad.conf:7: slot chieu: time \"25:00\" is not a time HH:MM"
	"bad.conf:3: campaign atgt uses bulletin \"b2\", which is not in the library"
	"bad.conf:6: slot sang: unknown campaign \"atgtt\": did you mean \"atgt\"?"
	"bad.conf:7: slot chieu uses bulletin \"b_1\", which is not in the library: did you mean \"b1\"?"
	"bad.conf:8: slot cn plays on 2026-01-04, a Sunday; the station allows no broadcast on Sundays"
	"7 problems in $T/bad.conf"
)
miss=""
for w in "${want[@]}"; do grep -qF -- "$w" "$T/err" || miss="$miss [$w]"; done
[ $rc -eq 1 ] && [ -z "$miss" ] && ok "schedule check: field errors, unknown ids and station rules in one pass (7 problems, each naming its slot or campaign)" ||
	{ nok "schedule check in one pass: exit $rc, missing:$miss"; sed 's/^/#   /' "$T/err"; }
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" schedule check "$T/bad.conf" 2>"$T/err.vi"
grep -qF 'khung giờ phát sang: không có chiến dịch "atgtt": có phải ý bạn là "atgt"?' "$T/err.vi" &&
	grep -qF 'khung giờ phát cn phát vào ngày 2026-01-04, Chủ nhật; đài không cho phép phát vào Chủ nhật' "$T/err.vi" &&
	grep -qF "7 lỗi trong" "$T/err.vi" && ok "the same problems in Vietnamese" || { nok "problems in Vietnamese"; sed 's/^/#   /' "$T/err.vi"; }
printf 'serial = 3;\nslots = ( { id = sang; times = ["06:30"]; bulletins = ["b1"]; } );\n' >"$T/unq.conf"
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" schedule check "$T/unq.conf" 2>"$T/err"
grep -qF "unq.conf:2: 'id = sang': text must be in double quotes: id = \"sang\";" "$T/err" && ! grep -q 'syntax error: syntax error' "$T/err" &&
	ok "an unquoted id: a plain message, not 'syntax error: syntax error'" || nok "unquoted id: $(cat "$T/err")"

# ---- loaxad: the station file's language (no locale under systemd) ----
cat >"$T/st/schedule.conf" <<'S'
serial = 4;
campaigns = ( { id = "atgt"; title = "An toàn giao thông"; bulletins = ["b1"]; } );
slots = ( { id = "sang"; times = ["06:30"]; campaign = "atgtt"; } );
S
sed -i 's/name = "Xã Kiểm Thử";/name = "Xã Kiểm Thử"; language = "vi";/' "$T/st/loaxa.conf"
env -i PATH="$PATH" "$D" -c "$T/st/loaxa.conf" --check >"$T/out" 2>&1
grep -qF 'không có chiến dịch "atgtt"' "$T/out" && ok "loaxad --check with station.language = \"vi\" and no locale: Vietnamese" ||
	{ nok "loaxad in the station's language"; sed 's/^/#   /' "$T/out" | head; }
sed -i 's/language = "vi";/language = "en";/' "$T/st/loaxa.conf"
"${VI[@]}" "$D" -c "$T/st/loaxa.conf" --check >"$T/out" 2>&1
grep -qF 'unknown campaign "atgtt"' "$T/out" && ok "station.language = \"en\" wins over LANG=vi_VN.UTF-8" || { nok "language en"; sed 's/^/#   /' "$T/out" | head; }
sed -i 's/language = "en";/language = "fr";/' "$T/st/loaxa.conf"
"$D" -c "$T/st/loaxa.conf" --check >"$T/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'language "fr" is not one loaxa speaks' "$T/out" && ok "an unknown station.language is refused, with its line" || nok "language fr: exit $rc $(cat "$T/out")"
sed -i 's/ language = "fr";//' "$T/st/loaxa.conf"

# ---- refusals people read: bulletin add, loaxad --check ----
: >"$T/empty.mp3"
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" bulletin add "$T/audio/v22k-mono.mp3" --id b1 --title "Lần hai" 2>"$T/err.en"
r1=$?
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" bulletin add "$T/audio/v22k-mono.mp3" --id b1 --title "Lần hai" 2>"$T/err.vi"
r2=$?
[ $r1 -ne 0 ] && [ $r1 -eq $r2 ] && grep -qF 'a bulletin with id b1 is already in the library ("Bản tin 1")' "$T/err.en" &&
	grep -qF 'thư viện đã có bản tin mã b1 ("Bản tin 1"); hãy chọn mã khác, hoặc thêm --replace' "$T/err.vi" &&
	ok "bulletin add of an id in use: refused in English and in Vietnamese, the same exit status ($r1)" ||
	{ nok "bulletin add refusal: exit $r1/$r2"; sed 's/^/#   /' "$T/err.en" "$T/err.vi"; }
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" bulletin add "$T/empty.mp3" --id rong --title "Rỗng" 2>"$T/err.vi"
grep -qF 'empty.mp3: tệp rỗng (0 byte). Hãy sao chép lại từ bản gốc.' "$T/err.vi" &&
	[ "$("${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" bulletin list --ids)" = b1 ] &&
	ok "bulletin add of an empty file, in Vietnamese; the library is unchanged" || { nok "empty file vi"; sed 's/^/#   /' "$T/err.vi"; }
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" bulletin list >"$T/list.vi"
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" bulletin list >"$T/list.en"
grep -q '^MÃ  CHIẾN DỊCH  THỜI LƯỢNG  NGÀY THÊM   SHA256        LẦN PHÁT TỚI      NGUỒN                    TIÊU ĐỀ$' "$T/list.vi" &&
	grep -q '^ID  CAMPAIGN  DURATION  ADDED       SHA256        NEXT PLAY         ORIGIN                   TITLE$' "$T/list.en" &&
	[ "$(sed 1d "$T/list.vi" | tr -s ' ')" = "$(sed 1d "$T/list.en" | tr -s ' ')" ] &&
	ok "bulletin list: headings in the user's language, the same rows" || { nok "bulletin list headings"; sed 's/^/#   /' "$T/list.vi" "$T/list.en"; }
cp "$T/st/loaxa.conf" "$T/st/bad.conf"
sed -i 's/^limits = { weekdays/limits = { weekdayz/' "$T/st/bad.conf"
echo 'contorl = { group = "loaxa"; };' >>"$T/st/bad.conf"
"${EN[@]}" "$D" -c "$T/st/bad.conf" --check >"$T/out.en" 2>&1
r1=$?
"${VI[@]}" "$D" -c "$T/st/bad.conf" --check >"$T/out.vi" 2>&1
r2=$?
[ $r1 -ne 0 ] && [ $r1 -eq $r2 ] &&
	grep -qF "bad.conf:6: unknown key 'weekdayz' in limits: did you mean 'weekdays'?" "$T/out.en" &&
	grep -qF "bad.conf:7: unknown key 'contorl' in the station file: did you mean 'control'?" "$T/out.en" &&
	grep -qF "2 problems in the station file; not starting" "$T/out.en" &&
	ok "loaxad --check of a station file with two misspelt keys: both, in English (exit $r1)" ||
	{ nok "loaxad --check en: exit $r1"; sed 's/^/#   /' "$T/out.en"; }
[ $r2 -ne 0 ] &&
	grep -qF "bad.conf:6: khóa 'weekdayz' không hợp lệ trong limits: có phải ý bạn là 'weekdays'?" "$T/out.vi" &&
	grep -qF "bad.conf:7: khóa 'contorl' không hợp lệ trong tệp cấu hình đài: có phải ý bạn là 'control'?" "$T/out.vi" &&
	! grep -q 'unknown key\|problems' "$T/out.vi" &&
	ok "loaxad --check: the same problems in Vietnamese" || { nok "loaxad --check vi: exit $r2"; sed 's/^/#   /' "$T/out.vi"; }
rm -f "$T/st/bad.conf"

# ---- status where no loaxad runs: how to start it from here ----
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" status 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && grep -qF "start it from here with: $(readlink -f "$BUILD")/loaxad -c $T/st/loaxa.conf" "$T/err" && ! grep -q systemctl "$T/err" &&
	ok "status on a checkout: says how to start this build's loaxad, not systemctl" || nok "status, not running: exit $rc $(cat "$T/err")"

# ---- machine-readable output is the same in every language ----
mkdir -p "$T/st/journal"
/usr/bin/python3 - "$T/st/journal" <<'PY' || bail "journal writer"
import hashlib, sys
out = sys.argv[1]
prev = "0" * 64
f = open(out + "/2026-11.log", "w")
def rec(t, ev, **kv):
    global prev
    enc = lambda v: v if v and not any(c in v for c in ' "\\=') else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    line = t + "+07:00 " + ev + "".join(" %s=%s" % (k, enc(str(v))) for k, v in kv.items()) + " prev=" + prev
    f.write(line + "\n")
    prev = hashlib.sha256(line.encode()).hexdigest()
rec("2026-11-01T00:00:00", "open", station="it-i18n", commune="99001", format=1)
rec("2026-11-01T00:00:01", "station-start", version="0.3.0", pid=7, serial=1)
for d in ("02", "09", "16"):
    o = "sang@2026-11-%sT06:30" % d
    rec("2026-11-%sT06:30:02" % d, "start", occ=o, due="2026-11-%sT06:30:00+07:00" % d, bulletin="b1",
        campaign="atgt", zones="", level="normal", repeat=1, expected="30.0", serial=1)
    rec("2026-11-%sT06:30:33" % d, "end", occ=o, outcome="aired", played="30.0", expected="30.0", detail="")
rec("2026-11-23T06:40:00", "missed", occ="sang@2026-11-23T06:30", due="2026-11-23T06:30:00+07:00", bulletin="b1",
    campaign="atgt", zones="", level="normal", expected="30.0", detail="the station was not running")
PY
cp "$T/one.conf" "$T/st/schedule.conf"
same=1
for args in "log --format csv" "log --format json" "report --month 2026-11 --format csv" "report --month 2026-11 --format json" "log verify"; do
	# shellcheck disable=SC2086
	"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" $args >"$T/m.en" 2>"$T/m.en.err"
	r1=$?
	# shellcheck disable=SC2086
	"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" $args >"$T/m.vi" 2>"$T/m.vi.err"
	r2=$?
	if [ "$args" = "log verify" ]; then
		[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && grep -q 'journal OK: 9 records in 1 file' "$T/m.en" && grep -q 'nhật ký hợp lệ: 9 bản ghi trong 1 tệp' "$T/m.vi" &&
			ok "log verify: English and Vietnamese, the same verdict" || { nok "log verify: $(cat "$T/m.en" "$T/m.vi" "$T/m.en.err")"; }
		continue
	fi
	if [ $r1 -ne 0 ] || [ $r2 -ne 0 ] || [ ! -s "$T/m.en" ] || ! cmp -s "$T/m.en" "$T/m.vi"; then
		same=0
		nok "loaxactl $args: not byte-identical under LANG=C and vi_VN.UTF-8 (exit $r1/$r2) $(head -c 300 "$T/m.en.err")"
	fi
done
[ $same -eq 1 ] && ok "log and report as CSV and JSON: byte-identical under LANG=C and LANG=vi_VN.UTF-8 (numbers keep their decimal point)"
grep -q '"aired"' "$T/m.en" 2>/dev/null || true
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" log --format csv | grep -q ',aired,' && ok "CSV keeps the English outcome words under vi_VN" || nok "CSV outcome words"
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" log >"$T/out" 2>&1
grep -q '3 lượt phát\|4 lượt phát' "$T/out" && grep -q '^GIỜ PHÁT  *KẾT QUẢ  *BẢN TIN  *CHIẾN DỊCH' "$T/out" &&
	grep -q '^2026-11-02 06:30  đã phát               b1  ' "$T/out" && grep -q '  bị bỏ lỡ  .* the station was not running$' "$T/out" &&
	ok "log as text in Vietnamese: headings, outcome words in their column" || { nok "log text vi"; sed 's/^/#   /' "$T/out" | head; }
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" log >"$T/out" 2>&1
grep -q '^DUE               OUTCOME      BULLETIN' "$T/out" && grep -q '^2026-11-02 06:30  aired        b1  ' "$T/out" &&
	grep -q 'broadcasts: 3 aired, 0 partial, 0 interrupted, 0 failed, 1 missed$' "$T/out" &&
	ok "log as text in English under LANG=C" || { nok "log text en"; sed 's/^/#   /' "$T/out" | head; }
"${VI[@]}" "$CTL" -c "$T/st/loaxa.conf" report --month 2026-11 >"$T/out" 2>&1
grep -q '^kỳ        2026-11-01 .*(1 tháng)' "$T/out" && grep -q 'nhật ký   .*: 9 bản ghi trong 1 tệp, chuỗi băm hợp lệ' "$T/out" &&
	ok "report as text in Vietnamese" || { nok "report text vi"; sed 's/^/#   /' "$T/out" | head; }
"${EN[@]}" "$CTL" -c "$T/st/loaxa.conf" report --month 2026-11 >"$T/out" 2>&1
grep -q '^period    2026-11-01 .*(1 month)' "$T/out" && grep -q ': 9 records in 1 file, hash chain verified' "$T/out" &&
	ok "report as text in English: 1 month, 1 file" || { nok "report text en"; sed 's/^/#   /' "$T/out" | head; }
"${VI[@]}" "$CTL" rollup --month 2026-11 "$T/st" >"$T/out" 2>&1
grep -q '^Báo cáo tổng hợp .*: 1 thư mục đài' "$T/out" && ok "rollup as text in Vietnamese" || { nok "rollup text vi"; sed 's/^/#   /' "$T/out" | head; }
[ "$FAILED" -eq 0 ]
