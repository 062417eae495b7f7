# shellcheck shell=bash
# listening_port PID: prints the TCP port process PID listens on, read from /proc once it has bound it (within 60 s).
# For programs started on port 0, which pick a free port themselves: no port is ever found free and then released
# (another program could take it in between). Sourced by scripts/stack-local.sh and scripts/bugsink.sh.
listening_port() {
  local pid="$1" inodes port
  for _ in $(seq 1 600); do
    inodes="$(find /proc/"$pid"/fd -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' | paste -sd'|')"
    if [ -n "$inodes" ]; then
      # /proc/net/tcp: local address as HEXIP:HEXPORT ($2), state ($4, 0A = LISTEN), inode ($10).
      port="$(awk -v inodes="^($inodes)$" '$4 == "0A" && $10 ~ inodes { split($2, a, ":"); print a[2]; exit }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null)"
      if [ -n "$port" ]; then echo "$((16#$port))"; return 0; fi
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "error: process $pid never listened on a TCP port" >&2
  return 1
}
