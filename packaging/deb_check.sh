#!/bin/bash
# `make deb-check`: the packages' whole life in a clean Debian bookworm container booted by
# systemd (systemd-nspawn): install N, `hallq setup`, start the service, /api/health, a crash
# and systemd's restart, upgrade to N+1, the terminal program under a user's systemd, remove,
# purge. Needs root and the network (debootstrap, apt for the packages' Depends): not part of
# the normal test run.
#
#   packaging/deb_check.sh DIR_WITH_DEBS VERSION_N VERSION_N+1
#
# The container shares the host's network (apt needs it), so the server binds 127.0.0.2 on a
# port of its own: nothing is served off this machine.
set -euo pipefail

DEBS=$(realpath "$1")
OLD=$2
NEW=$3
ARCH=$(dpkg --print-architecture)
WORK=$(mktemp -d /tmp/hallq-debcheck-XXXXXX)
ROOT=$WORK/root
PORT=$((18000 + RANDOM % 1000))
NSPAWN_PID=
step() { printf '\n== %s\n' "$*"; }
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; exit 1; }

cleanup() {
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        inside systemctl poweroff >/dev/null 2>&1 || true
        for _ in $(seq 30); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 1; done
        # nspawn halts on the first SIGTERM and terminates on the second; then SIGKILL
        for signal in TERM TERM KILL; do
            kill -0 "$NSPAWN_PID" 2>/dev/null || break
            kill -s "$signal" "$NSPAWN_PID" 2>/dev/null || true
            sleep 3
        done
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# a command in the booted container (all its namespaces, a clean environment)
inside() {
    nsenter -t "$CONTAINER_PID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

step "clean Debian bookworm root ($ARCH) in $ROOT"
if [ -n "${DEB_CHECK_BASE:-}" ]; then
    cp -a "$DEB_CHECK_BASE" "$ROOT"   # a pristine debootstrap kept between runs
else
    debootstrap --variant=minbase --include=systemd,systemd-sysv,libpam-systemd,dbus,curl,ca-certificates \
        bookworm "$ROOT" http://deb.debian.org/debian >"$WORK/debootstrap.log"
fi
mkdir -p "$ROOT/debs" && cp "$DEBS"/hallq-*_{"$OLD","$NEW"}_"$ARCH".deb "$ROOT/debs/"

step "boot it with systemd (systemd-nspawn -b)"
# cgroup v1 on this host: the container's systemd runs on the legacy hierarchy;
# no machined here (PID 1 is not systemd): --register=no --keep-unit
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 systemd-nspawn --quiet --register=no --keep-unit -D "$ROOT" -b \
    --console=read-only >"$WORK/boot.log" 2>&1 &
NSPAWN_PID=$!
for _ in $(seq 60); do
    CONTAINER_PID=$(pgrep -P "$NSPAWN_PID" -x systemd || true)
    if [ -n "$CONTAINER_PID" ]; then
        state=$(inside systemctl is-system-running 2>/dev/null || true)
        [ "$state" = running ] || [ "$state" = degraded ] && break
    fi
    sleep 1
done
pass "container booted: systemd $(inside systemctl --version | head -1 | cut -d' ' -f2), state ${state:-none}"

step "install $OLD (apt resolves the Depends from Debian; the wheels come in the .deb)"
inside apt-get update -qq
inside apt-get install -y -qq "/debs/hallq-server_${OLD}_${ARCH}.deb" >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; fail "install"; }
grep -h "hallq-server:" "$WORK/install.log" || true
inside dpkg-query -W -f='${Package} ${Version} ${Status}\n' hallq-server
inside test -x /opt/hallq/server/venv/bin/hallq && pass "virtualenv /opt/hallq/server/venv" || fail "virtualenv /opt/hallq/server/venv"
inside /opt/hallq/server/venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("PySide6") is not None)' &&
    pass "server virtualenv has no Qt" || fail "server virtualenv has no Qt"
inside sh -c 'test "$(readlink -f /usr/bin/python3)" = /usr/bin/python3.11 && ! /usr/bin/python3 -c "import fastapi" 2>/dev/null' &&
    pass "system Python untouched (no fastapi there)" || fail "system Python untouched (no fastapi there)"
inside getent passwd hallq | grep -q nologin && pass "system user hallq" || fail "system user hallq"
[ "$(inside systemctl is-enabled hallq-server)" = enabled ] && pass "service enabled" || fail "service enabled"
inside systemctl start hallq-server
[ "$(inside systemctl is-active hallq-server)" = inactive ] && pass "no hall.toml yet: the service stays inactive (ConditionPathExists)" || fail "no hall.toml yet: the service stays inactive (ConditionPathExists)"

step "hallq setup, then start the service"
cat >"$ROOT/root/answers.toml" <<EOF
name_zh = "测试县政务服务中心"
name_en = "Test County Government Service Centre"
address = "测试县人民路 1 号"
public_url = "https://queue.example.gov.cn"
database = "sqlite:////var/lib/hallq/hall.db"
EOF
inside hallq setup --answers /root/answers.toml
printf 'HALLQ_HOST=127.0.0.2\nHALLQ_PORT=%s\nHALLQ_OPTIONS=\n' "$PORT" >"$ROOT/etc/default/hallq-server"
inside systemctl start hallq-server

health() {  # the server's /api/health over HTTPS, checked against the hall's own CA
    for _ in $(seq 60); do
        if answer=$(inside curl -sf --cacert /var/lib/hallq/tls/ca.pem "https://127.0.0.2:$PORT/api/health" 2>/dev/null); then
            echo "$answer"
            return 0
        fi
        sleep 1
    done
    inside journalctl -u hallq-server --no-pager | tail -30
    return 1
}
answer=$(health) || fail "health after start"
pass "/api/health: $answer"
main_pid=$(inside systemctl show -p MainPID --value hallq-server)
pass "runs as $(inside stat -c %U "/proc/$main_pid") (pid $main_pid), $(inside systemctl show -p Restart --value hallq-server) restart"
inside test -f /var/lib/hallq/first-manager-token && pass "first manager token in /var/lib/hallq ($(inside stat -c '%a %U' /var/lib/hallq/first-manager-token))" || fail "first manager token in /var/lib/hallq ($(inside stat -c '%a %U' /var/lib/hallq/first-manager-token))"
inside systemd-analyze security hallq-server --no-pager | tail -1

step "a crash: kill -9 the server, systemd starts it again"
inside sh -c "kill -9 $main_pid"
sleep 7
answer=$(health) || fail "health after the crash"
new_pid=$(inside systemctl show -p MainPID --value hallq-server)
[ "$new_pid" != "$main_pid" ] && pass "restarted as pid $new_pid (NRestarts=$(inside systemctl show -p NRestarts --value hallq-server)); /api/health: $answer" || fail "restarted as pid $new_pid (NRestarts=$(inside systemctl show -p NRestarts --value hallq-server)); /api/health: $answer"

step "enrol a kiosk, then upgrade $OLD -> $NEW"
enrolment=$(inside runuser -u hallq -- hallq enroll kiosk "kiosk 1" --config /etc/hallq/hall.toml \
    --database sqlite:////var/lib/hallq/hall.db --tls-dir /var/lib/hallq/tls --server-url "https://127.0.0.2:$PORT" 2>/dev/null)
token=$(sed -n 's/^token=//p' <<<"$enrolment")
fingerprint=$(sed -n 's/^ca_fingerprint=//p' <<<"$enrolment")
[ -n "$token" ] && pass "kiosk enrolled (fingerprint ${fingerprint:0:24}...)" || fail "kiosk enrolled (fingerprint ${fingerprint:0:24}...)"
inside apt-get install -y -qq "/debs/hallq-server_${NEW}_${ARCH}.deb" >"$WORK/upgrade.log" 2>&1 || { tail -30 "$WORK/upgrade.log"; fail "upgrade"; }
grep -h "hallq-server:" "$WORK/upgrade.log" || true
[ "$(inside dpkg-query -W -f='${Version}' hallq-server)" = "$NEW" ] && pass "hallq-server $NEW installed" || fail "hallq-server $NEW installed"
answer=$(health) || fail "health after upgrade"
pass "/api/health after upgrade: $answer"
inside curl -sf --cacert /var/lib/hallq/tls/ca.pem -H "Authorization: Bearer $token" "https://127.0.0.2:$PORT/api/snapshot" >/dev/null &&
    pass "the kiosk's token from before the upgrade still works (database and CA kept)" || fail "the kiosk's token from before the upgrade still works (database and CA kept)"
grep -q "HALLQ_PORT=$PORT" "$ROOT/etc/default/hallq-server" && pass "edited /etc/default/hallq-server kept (conffile)" || fail "edited /etc/default/hallq-server kept (conffile)"

step "hallq-terminal $OLD: the kiosk under a user's systemd, restarted when it exits"
inside apt-get install -y -qq "/debs/hallq-terminal_${OLD}_${ARCH}.deb" >"$WORK/terminal.log" 2>&1 || { tail -30 "$WORK/terminal.log"; fail "terminal install"; }
inside sh -c "sed -i 's|^server = .*|server = \"https://127.0.0.2:$PORT\"|; s|^token = .*|token = \"$token\"|; s|^ca_fingerprint = .*|ca_fingerprint = \"$fingerprint\"|; s|^arguments = .*|arguments = [\"--printer\", \"preview:///tmp\"]|' /etc/hallq/terminal.toml"
inside useradd --create-home --groups hallq-terminal kioskuser
inside loginctl enable-linger kioskuser
uid=$(inside id -u kioskuser)
as_kiosk() { inside runuser -u kioskuser -- env XDG_RUNTIME_DIR="/run/user/$uid" "$@"; }
for _ in $(seq 30); do as_kiosk systemctl --user is-system-running >/dev/null 2>&1 && break; sleep 1; done
as_kiosk systemctl --user is-system-running >/dev/null 2>&1 ||
    { inside systemctl status "user@$uid" --no-pager | tail -15; fail "no systemd user manager for kioskuser"; }
# no screen in the container: Qt's offscreen platform stands in for the desktop's display
as_kiosk systemctl --user set-environment QT_QPA_PLATFORM=offscreen
as_kiosk /usr/libexec/hallq/terminal-session
sleep 15
kiosk_pid=$(as_kiosk systemctl --user show -p MainPID --value hallq-terminal)
state=$(as_kiosk systemctl --user is-active hallq-terminal || true)
[ "$state" = active ] && [ "$kiosk_pid" != 0 ] || { as_kiosk journalctl --user -u hallq-terminal --no-pager | tail -20; fail "kiosk not running"; }
pass "kiosk running as $(inside stat -c %U "/proc/$kiosk_pid"): $(inside sh -c "tr '\\0' ' ' </proc/$kiosk_pid/cmdline" | cut -c1-110)"
inside sh -c "kill -9 $kiosk_pid"
sleep 8
new_kiosk=$(as_kiosk systemctl --user show -p MainPID --value hallq-terminal)
[ "$new_kiosk" != 0 ] && [ "$new_kiosk" != "$kiosk_pid" ] && pass "kiosk restarted after kill -9 (pid $kiosk_pid -> $new_kiosk)" || fail "kiosk restarted after kill -9 (pid $kiosk_pid -> $new_kiosk)"
inside apt-get install -y -qq "/debs/hallq-terminal_${NEW}_${ARCH}.deb" >"$WORK/terminal-upgrade.log" 2>&1 || fail "terminal upgrade"
sleep 10
[ "$(as_kiosk systemctl --user is-active hallq-terminal)" = active ] && pass "hallq-terminal $NEW: the kiosk is back on screen after the upgrade" || fail "hallq-terminal $NEW: the kiosk is back on screen after the upgrade"

step "remove, then purge"
inside apt-get remove -y -qq hallq-server hallq-terminal >"$WORK/remove.log" 2>&1 || fail "remove"
inside test ! -e /opt/hallq && pass "removed: /opt/hallq gone" || fail "removed: /opt/hallq gone"
inside test -f /var/lib/hallq/hall.db && inside test -f /etc/hallq/hall.toml && pass "removed: the hall's database and config kept" || fail "removed: the hall's database and config kept"
inside systemctl is-active --quiet hallq-server && fail "service still running after remove"
inside apt-get purge -y -qq hallq-server hallq-terminal >"$WORK/purge.log" 2>&1 || fail "purge"
inside test ! -e /var/lib/hallq && inside test ! -e /etc/hallq && inside test ! -e /var/log/hallq && pass "purged: /var/lib/hallq, /var/log/hallq, /etc/hallq gone" || fail "purged: /var/lib/hallq, /var/log/hallq, /etc/hallq gone"
status=$(inside dpkg-query -W -f='${Status}' hallq-server hallq-terminal 2>/dev/null || true)
case "$status" in *" installed"*) fail "dpkg still lists a package as installed: $status" ;; esac
pass "dpkg: neither package installed"
echo
echo "deb-check: all steps passed"
