# bash completion for loaxactl (issue 16): commands, subcommands, options,
# option values, and bulletin ids from `loaxactl bulletin list --ids`.
# Installed as $(PREFIX)/share/bash-completion/completions/loaxactl; works
# without the bash-completion package when sourced.

# The station file named on the command line so far (-c FILE / --config FILE).
_loaxactl_conf()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config) printf '%s' "${COMP_WORDS[i + 1]}"; return ;;
		--config=*) printf '%s' "${COMP_WORDS[i]#--config=}"; return ;;
		esac
	done
}

_loaxactl_ids()
{
	local conf
	conf=$(_loaxactl_conf)
	# a station file that cannot be read gives no ids, and no noise
	if [ -n "$conf" ]; then
		loaxactl -c "$conf" bulletin list --ids 2>/dev/null
	else
		loaxactl bulletin list --ids 2>/dev/null
	fi
}

_loaxactl()
{
	local cur prev i cmd="" sub="" nargs=0
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# the command and subcommand: the first words that are not options
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config) i=$((i + 1)) ;;
		-*) ;;
		*)
			if [ -z "$cmd" ]; then
				cmd=${COMP_WORDS[i]}
			elif [ -z "$sub" ]; then
				sub=${COMP_WORDS[i]}
			else
				nargs=$((nargs + 1))
			fi
			;;
		esac
	done

	# values of options
	case $prev in
	-c | --config | --file | --sig | --output | --communes | --schedule | --password-file | --ca-file | --key)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--journal | --audio | --webroot | -o)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	--format)
		case $cmd in
		log) mapfile -t COMPREPLY < <(compgen -W "text csv json" -- "$cur") ;;
		*) mapfile -t COMPREPLY < <(compgen -W "text csv json html pdf" -- "$cur") ;;
		esac
		return
		;;
	--role)
		mapfile -t COMPREPLY < <(compgen -W "staff viewer" -- "$cur")
		return
		;;
	--id | --title | --campaign | --from | --to | --month | --days | --head | --district | --jobs | \
		--issuer | --office | --place | --sign-for | --signer-title | --signer | --recipients | --date | \
		--station | --serial | --broker | --user | --timeout)
		return # a value the user types
		;;
	esac

	local opts=""
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "status play stop reload schedule log report rollup bulletin web bundle help
			-c --config --help --version" -- "$cur")
		return
		;;
	status) opts="--fields --help" ;;
	stop | reload | help) opts="--help" ;;
	play)
		if [[ $cur == -* ]]; then
			opts="--emergency --help"
		elif [ -z "$sub" ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_loaxactl_ids)" -- "$cur")
			return
		else
			opts="--emergency"
		fi
		;;
	schedule)
		case $sub in
		"") opts="check verify install show" ;;
		check) opts="--help" ;;
		verify) opts="--sig --help" ;;
		install) opts="--sig --unsigned --help" ;;
		show) opts="--from --days --file --help" ;;
		esac
		if [[ $cur != -* ]] && [ -n "$sub" ] && [ "$sub" != show ]; then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
		fi
		;;
	log)
		case $sub in
		verify) opts="--journal --head --help" ;;
		*) opts="--from --to --format --bom --journal --help"
			[ -z "$sub" ] && [[ $cur != -* ]] && opts="verify" ;;
		esac
		;;
	report)
		opts="--month --from --to --format --journal --schedule --communes --output --bom --issuer --office
			--place --sign-for --signer-title --signer --recipients --date --help"
		;;
	rollup)
		opts="--month --from --to --format --district --communes --schedule --jobs --output --bom --issuer
			--office --place --sign-for --signer-title --signer --recipients --date --help"
		if [[ $cur != -* ]]; then
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
			return
		fi
		;;
	bulletin)
		case $sub in
		"") opts="add list remove verify" ;;
		add)
			opts="--id --title --campaign --replace --help"
			if [[ $cur != -* ]]; then
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
				return
			fi
			;;
		list) opts="--ids --help" ;;
		remove)
			opts="--force --help"
			if [[ $cur != -* ]] && [ "$nargs" -eq 0 ]; then
				mapfile -t COMPREPLY < <(compgen -W "$(_loaxactl_ids)" -- "$cur")
				return
			fi
			;;
		verify) opts="--rebuild --help" ;;
		esac
		;;
	bundle)
		case $sub in
		"") opts="make publish" ;;
		make) opts="--audio --output -o --district --station --serial --title --config -c --help" ;;
		publish) opts="--sig --broker --user --password-file --ca-file --district --station --webroot --force
			--clear --key --config -c --timeout --help" ;;
		esac
		if [[ $cur != -* ]] && [ -n "$sub" ]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
		fi
		;;
	web)
		case $sub in
		"") opts="user" ;;
		user) [ "$nargs" -eq 0 ] && opts="add" || opts="--role --help" ;;
		esac
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
}

complete -F _loaxactl loaxactl
