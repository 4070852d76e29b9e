# Shared by the peer launchers in this directory (sourced, not run): the work directory,
# free loopback ports, waiting for the server to listen, the ready line, and stopping the
# server's whole process tree on SIGTERM/SIGINT/SIGHUP.
#
# A launcher sets `peer` (its name, for messages) and `usage` (its --help text), sources
# this file, calls parse_args "$@", then for each attempt: picks a port (free_port),
# writes its config, starts the server in the background with its output in "$log"
# (start_server CMD...), and calls await_listening PORT; finally ready_line and
# serve_until_stopped. See scripts/peers/nginx for the smallest example.
#
# Contract with the harness (bench/lib/launcher.hpp, bench/lib/ready_line.hpp): one line
#   streamcheck-ready pid=PID http=URL | ftp=URL root=DIR
# on stdout once the port accepts connections, PID being the server process whose tree
# holds the sessions or workers; everything else goes to stderr. SIGTERM (or SIGINT,
# SIGHUP) stops the server and all its descendants, removes the work directory (the root
# too unless --root was given) and exits 0. A server that exits on its own makes the
# launcher exit 1 with the end of the server's log on stderr.

# --- messages ---------------------------------------------------------------------------

say() { printf '%s: %s\n' "$peer" "$*" >&2; }
die() {
  say "$*"
  exit 2
}

# The end of each log (default: the server's output, $log), indented, on stderr.
show_log_tail() {
  local file
  for file in "${@:-$log}"; do
    if [[ -n $file && -s $file ]]; then
      say "the end of $(basename "$file"):"
      tail -n 25 "$file" | sed 's/^/  | /' >&2
    fi
  done
}

# --- arguments --------------------------------------------------------------------------

root=""       # the store root
own_root=0    # 1: we made it (inside the work dir) and remove it
work=""       # temp dir: config, logs, pid files, and the root unless --root
log=""        # the server's stdout and stderr
server_logs=() # what to show when the server fails (default: $log)
server_pid="" # the server process (the pid= of the ready line)
server_reaped=0 # 1 once we collected its exit status (its pid may be reused then)
server_status="" # its exit status, once reaped

parse_args() {
  while (($#)); do
    case $1 in
      -h | --help)
        printf '%s\n' "$usage"
        exit 0
        ;;
      --root)
        (($# >= 2)) || die "--root needs a directory"
        root=$2
        shift 2
        ;;
      --root=*)
        root=${1#--root=}
        shift
        ;;
      *) die "unknown argument \"$1\" (see --help)" ;;
    esac
  done
  if [[ -n $root ]]; then
    [[ -d $root ]] || die "--root $root: not a directory"
    root=$(cd "$root" && pwd -P)
  fi
}

# Exits with a clear message when a program is missing.
need() {
  local program=$1 package=$2
  command -v "$program" >/dev/null 2>&1 ||
    die "$program not found: install the Debian package $package (scripts/setup installs it)"
}

# --- work directory ---------------------------------------------------------------------

# Makes the work dir (under $TMPDIR, default /tmp; mode 0700) and the root in it unless
# --root.
make_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/streamcheck-$peer.XXXXXX") || die "cannot make a temp dir"
  log=$work/server.log
  if [[ -z $root ]]; then
    root=$work/root
    own_root=1
    mkdir "$root"
  fi
}

remove_work_dir() {
  if [[ -n $work && -d $work ]]; then
    rm -rf -- "$work" 2>/dev/null || true
  fi
  local d
  for d in "${extra_dirs[@]}"; do rm -rf -- "$d" 2>/dev/null || true; done
}
extra_dirs=() # more temp dirs to remove at exit (e.g. beside a --root on another fs)

# A random password of 24 hex digits (safe in a URL).
random_password() {
  od -An -N12 -tx1 /dev/urandom | tr -d ' \n'
}

# --- ports ------------------------------------------------------------------------------

# A free TCP port on 127.0.0.1, from the kernel's ephemeral range (bind to port 0). Another
# process may take it before the server binds it: the launchers retry with a new port when
# the server reports "address in use".
free_port() {
  /usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- processes --------------------------------------------------------------------------

# 0 when PID runs and is not a zombie.
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# PID's descendants, children first, one per line.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

# Starts the server in the background in a process group of its own (setsid: the server
# process leads it, so every process it forks can be found and stopped, even those
# orphaned when it dies), its stdout and stderr appended to $log, its stdin /dev/null (it
# must not read the harness's). Sets server_pid.
start_server() {
  : >"$log"
  setsid "$@" </dev/null >>"$log" 2>&1 &
  server_pid=$!
  server_reaped=0
}

# Collects the server's exit status into server_status (it must have ended or be ending).
reap_server() {
  server_status=0
  wait "$server_pid" 2>/dev/null || server_status=$?
  server_reaped=1
}

# The processes of process group $1 that run (not zombies), one per line.
group_members() {
  local f stat state pgrp
  for f in /proc/[0-9]*/stat; do
    { read -r stat <"$f"; } 2>/dev/null || continue
    read -r state _ pgrp _ <<<"${stat##*) }" # after "pid (comm) ": state ppid pgrp ...
    [[ $pgrp == "$1" && $state != Z ]] && echo "${f//[^0-9]/}"
  done
  return 0
}

# The socket inode of the LISTEN socket on 127.0.0.1:PORT, or nothing.
listen_inode() {
  local hex
  hex=$(printf '0100007F:%04X' "$1")
  awk -v local="$hex" '$2 == local && $4 == "0A" { print $10; exit }' /proc/net/tcp
}

# Waits until the server listens on 127.0.0.1:PORT with a socket of its own (not another
# process's that took the port first). Returns 0 when it does; 1 when the server exited
# (its exit status in `server_status`); 2 on timeout (15 s).
await_listening() {
  local port=$1 inode fd i
  for ((i = 0; i < 300; i++)); do
    if ! alive "$server_pid"; then
      reap_server
      return 1
    fi
    inode=$(listen_inode "$port")
    if [[ -n $inode ]]; then
      for fd in /proc/"$server_pid"/fd/*; do
        [[ $(readlink "$fd" 2>/dev/null) == "socket:[$inode]" ]] && return 0
      done
    fi
    sleep 0.05
  done
  return 2
}

# Whether the logs (default: $log) say the port was taken (another port is worth a try).
port_was_taken() {
  grep -qiE 'address already in use|could not bind|errno 98' "${@:-$log}" 2>/dev/null
}

# Stops the server, its process group and every descendant of it (also those that left
# the group): SIGTERM, up to 3 s for all to exit (the harness's own grace is 5 s), then
# SIGKILL. It does not reap them: called from a trap that interrupted `wait`, bash's
# `wait` can block for good on a child the interrupted one already collected. Zombies
# count as gone; whoever adopts them when we exit reaps them.
stop_server() {
  [[ -n $server_pid ]] || return 0
  local pids=() left=() pid i
  if ((!server_reaped)) && alive "$server_pid"; then
    mapfile -t pids < <(descendants "$server_pid")
    pids=("$server_pid" "${pids[@]}")
  fi
  ((${#pids[@]} == 0)) || kill -TERM "${pids[@]}" 2>/dev/null || true
  kill -TERM -- -"$server_pid" 2>/dev/null || true
  for ((i = 0; i <= 60; i++)); do
    left=()
    for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
    mapfile -t -O "${#left[@]}" left < <(group_members "$server_pid")
    ((${#left[@]})) || break
    if ((i == 60)); then
      say "still running 3 s after SIGTERM, sending SIGKILL to ${left[*]}"
      kill -KILL "${left[@]}" 2>/dev/null || true
    else
      sleep 0.05
    fi
  done
}

# --- ready line and the life of the launcher --------------------------------------------

stopping=0
watcher="" # the process that stops us when our parent goes
on_signal() {
  stopping=1
  trap '' TERM INT HUP
  stop_watcher
  stop_server
  [[ $own_root == 1 ]] || say "kept the root $root"
  remove_work_dir
  exit 0
}

# Installs the handlers; before the ready line a signal also cleans up.
install_traps() {
  trap on_signal TERM INT HUP
  trap 'stop_watcher; stop_server; remove_work_dir' EXIT
}

# A launcher started through `sh -c` (the harness's --spawn) is the shell's child: if the
# harness dies, the kernel's parent-death signal ends the shell, not us. So a watcher
# sends us SIGTERM once our parent is gone.
start_watcher() {
  local parent=$PPID self=$$
  (
    trap - TERM INT HUP EXIT
    while alive "$parent"; do sleep 1; done
    kill -TERM "$self" 2>/dev/null
  ) </dev/null >/dev/null 2>&1 &
  watcher=$!
}
stop_watcher() { # no `wait` here either: see stop_server
  if [[ -n $watcher ]]; then
    local pids
    mapfile -t pids < <(descendants "$watcher")
    kill -TERM "$watcher" "${pids[@]}" 2>/dev/null || true
    watcher=""
  fi
}

# Prints the ready line (the only line on stdout), with the root it serves so that the
# harness can look at the files from outside (a root with a blank cannot be given).
ready_line() {
  local root_field=""
  [[ $root == *[[:space:]]* ]] || root_field=" root=$root"
  printf 'streamcheck-ready pid=%s %s%s\n' "$server_pid" "$1" "$root_field"
}

# Waits for the server; returns only if it exits on its own: exit 1 with its log.
serve_until_stopped() {
  start_watcher
  reap_server
  ((stopping)) && return 0
  say "the server (pid $server_pid) exited on its own with status $server_status"
  show_log_tail "${server_logs[@]}"
  exit 1
}
