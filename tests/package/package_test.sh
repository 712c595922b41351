#!/usr/bin/env bash
# The Debian package as an admin receives it: builds the .deb with cpack from the
# build directory into a temporary directory, then checks
#   - lintian reports no error, and every override in the package carries its reason;
#   - systemd-analyze verify accepts activityfeed.service against the unpacked package
#     (so ExecStart's /usr/bin/activityfeed is the packaged binary);
#   - the unit runs as its own user with a state directory and hardening, and nothing
#     in the maintainer scripts enables or starts it;
#   - /etc/default/activityfeed is a conffile and every setting in it has a comment;
#   - bash completion offers every command of --help, the sub-commands and event types.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR. Tools: bash scripts/deps.sh --test.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb lintian systemd-analyze; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run bash scripts/deps.sh --test"
done
[ -r /usr/share/bash-completion/bash_completion ] ||
    fail "bash-completion is missing: run bash scripts/deps.sh --test"

tmp=$(mktemp -d /tmp/afpkg-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
    { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$tmp"/out/activityfeed_*.deb)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes) in $((SECONDS - start)) s"

# --- lintian ---------------------------------------------------------------------
lintian --allow-root --fail-on error "$deb" >"$tmp/lintian.log" 2>&1 || {
    cat "$tmp/lintian.log"; fail "lintian reports errors"; }
echo "lintian: $(grep -c '^[EW]:' "$tmp/lintian.log" || true) errors+warnings"
cat "$tmp/lintian.log"
grep -q '^E:' "$tmp/lintian.log" && fail "lintian error"

mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
dpkg-deb -e "$deb" "$tmp/control"
overrides="$tmp/root/usr/share/lintian/overrides/activityfeed"
if [ -f "$overrides" ]; then
    # An override line must follow a comment that gives its reason.
    awk '/^activityfeed:/ { if (!reason) { print "override without a reason: " $0; bad = 1 } reason = 0; next }
         /^# *[^ ]/ && !/^# Each override/ { reason = 1 }
         END { exit bad }' "$overrides" || fail "a lintian override has no reason"
fi

# --- the unit --------------------------------------------------------------------
unit="$tmp/root/lib/systemd/system/activityfeed.service"
[ -f "$unit" ] || fail "the package has no activityfeed.service"
# verify checks that ExecStart's program exists: a copy of the unit points it at the
# unpacked binary, everything else is the packaged unit byte for byte.
mkdir "$tmp/verify"
sed "s|^ExecStart=/usr/bin/activityfeed |ExecStart=$tmp/root/usr/bin/activityfeed |" "$unit" \
    >"$tmp/verify/activityfeed.service"
[ "$(diff "$unit" "$tmp/verify/activityfeed.service" | grep -c '^>')" = 1 ] || fail "ExecStart not rewritten"
# Documentation=man:activityfeed(1) is checked with `man`: against the packaged page.
MANPATH="$tmp/root/usr/share/man" systemd-analyze verify "$tmp/verify/activityfeed.service" >"$tmp/verify.log" 2>&1 ||
    { cat "$tmp/verify.log"; fail "systemd-analyze verify failed"; }
# verify prints some problems without failing: none is acceptable.
if grep -q . "$tmp/verify.log"; then cat "$tmp/verify.log"; fail "systemd-analyze verify complained"; fi
echo "systemd-analyze verify: clean"
for line in 'User=activityfeed' 'StateDirectory=activityfeed' 'EnvironmentFile=-/etc/default/activityfeed' \
            'KillSignal=SIGTERM' 'KillMode=mixed' 'Restart=on-failure' 'NoNewPrivileges=yes' \
            'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes'; do
    grep -qx "$line" "$unit" || fail "the unit lacks $line"
done
grep -q '^ExecStart=/usr/bin/activityfeed serve --data-dir /var/lib/activityfeed' "$unit" ||
    fail "ExecStart is not serve on /var/lib/activityfeed"
grep -q '^TimeoutStopSec=' "$unit" || fail "the unit has no TimeoutStopSec"
[ -f "$tmp/root/usr/lib/sysusers.d/activityfeed.conf" ] || fail "no sysusers.d file"
grep -q '^u activityfeed ' "$tmp/root/usr/lib/sysusers.d/activityfeed.conf" || fail "sysusers.d makes no user"
grep -q 'systemd-sysusers activityfeed.conf' "$tmp/control/postinst" || fail "postinst creates no user"
# Disabled after install: no maintainer script enables or starts the unit.
if grep -nE 'deb-systemd-helper +(enable|update-state)|systemctl .*(enable|start)|deb-systemd-invoke +start' \
        "$tmp/control/postinst" "$tmp/control/prerm" "$tmp/control/postrm" | grep -vE '^[^:]+:[0-9]+: *#'; then
    fail "a maintainer script enables or starts the service"
fi
[ -x "$tmp/root/usr/bin/activityfeed" ] || fail "no /usr/bin/activityfeed"

# --- /etc/default/activityfeed --------------------------------------------------------
grep -qx '/etc/default/activityfeed' "$tmp/control/conffiles" || fail "/etc/default/activityfeed is not a conffile"
defaults="$tmp/root/etc/default/activityfeed"
[ "$(stat -c %a "$defaults")" = 600 ] || fail "/etc/default/activityfeed is not 0600"
# Every setting (active or commented out) directly follows a comment that explains it.
awk '/^#?[A-Z_]+=/ { if (prev !~ /^#/) { print "no explanation for " $0; bad = 1 } }
     { prev = $0 } END { exit bad }' "$defaults" || fail "a setting in /etc/default/activityfeed is unexplained"
for key in ACTIVITYFEED_LISTEN MC_API_SECRET ACTIVITYFEED_DATABASE_URL ACTIVITYFEED_REACTION_LIMIT; do
    grep -qE "^#?$key=" "$defaults" || fail "/etc/default/activityfeed does not mention $key"
done
# ExecStart's ${VAR}s are all settings of the file.
for var in $(grep '^ExecStart=' "$unit" | grep -o '\${[A-Z_]*}' | tr -d '${}'); do
    grep -qE "^#?$var=" "$defaults" || fail "ExecStart uses \$$var that /etc/default/activityfeed does not explain"
done

# --- bash completion -------------------------------------------------------------
completion="$tmp/root/usr/share/bash-completion/completions/activityfeed"
[ -f "$completion" ] || fail "no bash completion"
complete_words() { # prints the completions of the command line "$@" (last word: being typed)
    bash -c '
        source /usr/share/bash-completion/bash_completion
        source "$0"
        COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
        _activityfeed activityfeed "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' "$completion" "$@"
}
help=$("$build/app/activityfeed" --help)
commands=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^Options:/p' | awk '/^  [a-z]/ { print $1 }' | sort -u)
offered=$(complete_words activityfeed '' | sort -u)
for c in $commands; do
    printf '%s\n' "$offered" | grep -qx "$c" || fail "completion does not offer the command $c"
done
for pair in "tenant:add list" "token:issue list revoke" "arena:add"; do
    cmd=${pair%%:*}
    subs=$(printf '%s\n' "$help" | awk -v c="$cmd" '$1 == c { print $2 }' | sort -u | tr '\n' ' ')
    got=$(complete_words activityfeed "$cmd" '' | sort -u | tr '\n' ' ')
    [ "$got" = "$subs" ] || fail "completion of '$cmd' gives '$got', --help says '$subs'"
done
types=$(printf '%s\n' "$help" | tr -s ' ,()\n' '\n' | grep -E '^[a-z]+(_[a-z]+)+$' | grep -v -e database_url | sort -u)
got=$(complete_words activityfeed emit Acme '' | sort -u)
[ -n "$types" ] || fail "no event types in --help"
[ "$got" = "$types" ] || fail "completion of emit types: '$got' but --help lists '$types'"
got=$(complete_words activityfeed token list --j)
[ "$got" = "--json" ] || fail "completion of --j gives '$got'"
echo "bash completion: $(echo $commands | wc -w) commands, $(echo $types | wc -w) event types"

echo "package test passed in $((SECONDS - start)) s"
