# shellcheck shell=bash
# Throwaway PostgreSQL clusters for tests. Source this file, then:
#
#   pg_start DIR   creates a cluster in DIR (initdb), starts it on a free
#                  loopback TCP port with its unix socket inside DIR, creates
#                  role and database "teken", prints the URL on stdout and
#                  exports it:
#                    PG_URL        postgres://teken:PW@127.0.0.1:PORT/teken
#                    PG_ADMIN_URL  the same for the superuser, database postgres
#                    PG_PORT, PG_DIR
#                  (also written to DIR/url and DIR/admin_url, mode 600).
#   pg_stop DIR    stops the cluster and removes DIR; safe to call twice, or
#                  on a DIR where pg_start failed half-way (use it in a trap).
#
# Tests run as root in CI and initdb refuses root, so as root the server
# runs as the "postgres" system user: DIR is chowned to it and any parent
# directory it cannot traverse gets o+x (traversal only, not listing).
# The cluster trades durability for speed (fsync off): never keep data in it.

pg__log() { echo "pg.sh: $*" >&2; }

# Directory holding initdb/pg_ctl/postgres: pg_config's, else the newest
# Debian version, else PATH.
pg__bindir() {
	local d
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"; return 0
		fi
	fi
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"; return 0
	fi
	d=$(command -v initdb 2>/dev/null || true)
	if [ -n "$d" ]; then
		dirname "$(readlink -f "$d")"; return 0
	fi
	pg__log "initdb not found (install the postgresql package)"
	return 1
}

# Runs a command as the cluster's owner: postgres when we are root.
pg__as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Succeeds when something listens on 127.0.0.1:$1.
pg__port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg__random_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

pg_start() {
	local dir=${1:?usage: pg_start DIR}
	local bin port pw apw sockdir a try started=0

	bin=$(pg__bindir) || return 1
	if [ -e "$dir/data" ]; then
		pg__log "$dir/data already exists"
		return 1
	fi
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd) || return 1
	if [ "$(id -u)" -eq 0 ]; then
		if ! id postgres >/dev/null 2>&1; then
			pg__log "running as root needs the 'postgres' system user (initdb refuses root)"
			return 1
		fi
		chown postgres: "$dir" || return 1
		a=$(dirname "$dir")
		while [ "$a" != "/" ]; do
			if ! runuser -u postgres -- test -x "$a"; then
				chmod o+x "$a" || { pg__log "user postgres cannot reach $dir (no search permission on $a)"; return 1; }
			fi
			a=$(dirname "$a")
		done
	fi

	pw=$(pg__random_hex 16)
	apw=$(pg__random_hex 16)
	(umask 077; printf '%s\n' "$apw" >"$dir/pwfile") || return 1
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pwfile"
	if ! pg__as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync \
		>"$dir/initdb.log" 2>&1; then
		pg__log "initdb failed:"; cat "$dir/initdb.log" >&2
		rm -f "$dir/pwfile"
		return 1
	fi
	rm -f "$dir/pwfile"

	# The unix socket path must fit sockaddr_un (107 bytes); a deep DIR
	# gets TCP only rather than a server that will not start.
	sockdir=$dir/sock
	if [ $(( ${#sockdir} + 20 )) -gt 107 ]; then
		pg__log "$sockdir is too long for a unix socket; TCP only"
		sockdir=""
	else
		mkdir -p "$sockdir" && { [ "$(id -u)" -ne 0 ] || chown postgres: "$sockdir"; }
	fi

	# A random port can be taken between the check and the bind by a
	# parallel test: then the server fails to start and we try another.
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		pg__port_busy "$port" && continue
		rm -f "$dir/server.log"
		if pg__as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$sockdir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=16MB" \
			start >"$dir/pg_ctl.log" 2>&1; then
			started=1
			break
		fi
		if grep -q "already in use\|could not create any TCP/IP sockets\|could not create lock file" "$dir/server.log" 2>/dev/null; then
			pg__log "port $port taken (try $try), picking another"
			continue
		fi
		pg__log "pg_ctl start failed:"; cat "$dir/pg_ctl.log" "$dir/server.log" >&2 2>/dev/null
		return 1
	done
	if [ "$started" -ne 1 ]; then
		pg__log "no free port found after 10 tries"
		return 1
	fi

	if ! PGPASSWORD=$apw psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
		-c "CREATE ROLE teken LOGIN CREATEDB PASSWORD '$pw'" \
		-c "CREATE DATABASE teken OWNER teken" >"$dir/setup.log" 2>&1; then
		pg__log "creating role/database failed:"; cat "$dir/setup.log" >&2
		return 1
	fi

	PG_DIR=$dir
	PG_PORT=$port
	PG_URL="postgres://teken:$pw@127.0.0.1:$port/teken"
	PG_ADMIN_URL="postgres://postgres:$apw@127.0.0.1:$port/postgres"
	export PG_DIR PG_PORT PG_URL PG_ADMIN_URL
	(umask 077; printf '%s\n' "$PG_URL" >"$dir/url"; printf '%s\n' "$PG_ADMIN_URL" >"$dir/admin_url")
	echo "$PG_URL"
}

pg_stop() {
	local dir=${1:?usage: pg_stop DIR}
	local bin

	[ -d "$dir" ] || return 0
	if [ -f "$dir/data/postmaster.pid" ] && bin=$(pg__bindir 2>/dev/null); then
		pg__as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			pg__as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	return 0
}
