#!/bin/bash
# Bash completion for loaxactl (issue 16, completion/loaxactl.bash): the
# function is registered, and driven through COMP_WORDS/COMP_CWORD it
# offers commands, subcommands, options, option values and the bulletin
# ids of the station named with -c (from `loaxactl bulletin list --ids`).
set -u
cd "$(dirname "$0")/../.."
. tests/it/lib.bash
T=$(mktemp -d "/tmp/loaxa-it-completion.XXXXXX")
trap 'rm -rf "$T"' EXIT
[ -x "$BUILD/loaxactl" ] || bail "$BUILD/loaxactl is not built"
export PATH=$BUILD:$PATH LOAXA_CONF=

# a station with two bulletins
mkdir -p "$T/st/library"
cat >"$T/st/loaxa.conf" <<'CONF'
station = { id = "it-compl"; commune_code = "99001"; name = "Xã Kiểm Thử"; };
paths = { library = "library"; journal = "journal"; schedule = "schedule.conf"; spool = "spool";
          control = "loaxad.sock"; state = "."; };
audio = { device = "null"; };
CONF
audio_fixtures "$T/audio"
for id in sot-xuat-huyet-01 sot-xuat-huyet-02 an-toan-giao-thong; do
	loaxactl -c "$T/st/loaxa.conf" bulletin add "$T/audio/v22k-mono.mp3" --id $id --title "Bản tin $id" >/dev/null 2>&1 ||
		bail "bulletin add $id"
done

# shellcheck disable=SC1091
. completion/loaxactl.bash
[[ $(complete -p loaxactl 2>/dev/null) == "complete -F _loaxactl loaxactl" ]] && ok "complete -p loaxactl: the function _loaxactl" ||
	nok "complete -p loaxactl: $(complete -p loaxactl 2>&1)"

# comp WORDS...: the completions of the last word (may be "")
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_loaxactl loaxactl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# want WHAT GOT EXPECTED
want() { [ "$2" = "$3" ] && ok "$1: $2" || nok "$1: got '$2', want '$3'"; }

want "commands" "$(comp loaxactl s)" "schedule status stop"
want "options of loaxactl itself" "$(comp loaxactl --v)" "--version"
want "schedule subcommands" "$(comp loaxactl schedule '')" "check install show verify"
want "bulletin subcommands" "$(comp loaxactl -c "$T/st/loaxa.conf" bulletin '')" "add list remove verify"
want "bundle subcommands" "$(comp loaxactl bundle '')" "make publish"
want "bundle publish options" "$(comp loaxactl bundle publish x.conf --w)" "--webroot"
want "bundle make --audio: a folder" "$(cd "$T" && comp loaxactl bundle make s.conf --audio au)" "audio"
want "options of rollup" "$(comp loaxactl rollup --j)" "--jobs"
want "log --format values" "$(comp loaxactl log --format '')" "csv json text"
want "report --format values" "$(comp loaxactl report --format '')" "csv html json pdf text"
want "web user add --role values" "$(comp loaxactl web user add ba --role '')" "staff viewer"
want "bulletin ids for play, from the station named with -c" "$(comp loaxactl -c "$T/st/loaxa.conf" play sot)" \
	"sot-xuat-huyet-01 sot-xuat-huyet-02"
want "bulletin ids for bulletin remove" "$(comp loaxactl --config "$T/st/loaxa.conf" bulletin remove a)" "an-toan-giao-thong"
want "play's options" "$(comp loaxactl play x --e)" "--emergency"
want "bulletin list --ids" "$(comp loaxactl bulletin list --i)" "--ids"
want "no ids, and no noise, from a station file that does not exist" "$(comp loaxactl -c "$T/nowhere.conf" play '')" ""
[ "$FAILED" -eq 0 ]
