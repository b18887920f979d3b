# shellcheck shell=bash
# Start the real services the tests talk to. Sourced (not run) by scripts/test-session.sh, after
# scripts/lib.sh, with $work set to the session's throwaway folder. Quiet unless something fails.
#
#   SMTP:   scripts/services/smtp-server.py (STARTTLS + AUTH required, like Gmail's port 587),
#           with a throwaway CA and a server certificate signed by it (SAN localhost, 127.0.0.1).
#   Twilio: Prism serving Twilio's published OpenAPI for Messages (tests/twilio-contract).
#
# Exports for the tests:
#   DESK_TEST_SMTP_HOST=127.0.0.1  DESK_TEST_SMTP_PORT  DESK_TEST_SMTP_USER  DESK_TEST_SMTP_PASSWORD
#   DESK_TEST_SMTP_CA        the CA certificate (PEM) to trust; leave it out to see an untrusted
#                            server certificate rejected
#   DESK_TEST_SMTP_MAILDIR   one <n>.eml per accepted message; faults.json and quota go here too
#                            (format at the top of smtp-server.py)
#   TWILIO_CONTRACT_URL      http://127.0.0.1:PORT, Prism; unset when the spec is missing (CI=true:
#                            a missing spec fails the session instead)
#   TWILIO_OAI_SPEC          the spec Prism serves (absolute path)
#   DESK_TEST_PG_PORT        PostgreSQL 15 (TLS only over TCP, scram-sha-256), on 127.0.0.1 and
#   DESK_TEST_PG_DIR         127.0.0.2; its socket in $DESK_TEST_PG_DIR/sock trusts user postgres
#   DESK_TEST_PG_CA/_CERT/_KEY  the CA to trust, and the server's certificate and key (for the
#                            fault tests' private servers)
# Sets smtp_pid and prism_pid, and pg_dir; the caller's cleanup stops them (session.sh).

: "${work:?start-services.sh needs \$work (the session folder)}"
smtp_pid="${smtp_pid:-}"
prism_pid="${prism_pid:-}"

# --- helpers (prefixed: this file shares the caller's shell)
_svc_fail() {  # _svc_fail MESSAGE [LOG]: print the log's tail, then stop the session
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf -- '--- last lines of %s\n' "$2" >&2
    tail -n 30 "$2" >&2
    printf -- '---\n' >&2
  fi
  die "$1"
}

# A python3 that can import aiosmtpd: Debian's (/usr/bin/python3) first; the python3 on PATH may
# be a pyenv one without python3-aiosmtpd.
_svc_py=""
for _svc_c in /usr/bin/python3 python3; do
  if command -v "$_svc_c" >/dev/null 2>&1 && "$_svc_c" -c 'import aiosmtpd' >/dev/null 2>&1; then
    _svc_py="$(command -v "$_svc_c")"
    break
  fi
done
[ -n "$_svc_py" ] || die "no python3 can import aiosmtpd: run scripts/setup.sh (installs python3-aiosmtpd)"

_svc_free_port() {  # a loopback port nobody listens on right now
  "$_svc_py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_svc_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# --- SMTP: certificates
_svc_dir="$work/smtp"
mkdir -p "$_svc_dir/maildir"
_svc_ssl_log="$work/openssl.log"
{
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=Skinspire Verify Desk test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$_svc_dir/ca.key" -out "$_svc_dir/ca.pem" &&
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$_svc_dir/server.key" -out "$_svc_dir/server.csr" &&
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$_svc_dir/server.ext" &&
  openssl x509 -req -sha256 -days 2 -in "$_svc_dir/server.csr" -CA "$_svc_dir/ca.pem" \
    -CAkey "$_svc_dir/ca.key" -CAcreateserial -extfile "$_svc_dir/server.ext" \
    -out "$_svc_dir/server.pem"
} >"$_svc_ssl_log" 2>&1 || _svc_fail "could not make the test SMTP certificates" "$_svc_ssl_log"

# --- SMTP: the server (a fresh port per try: another process may take the one we picked)
export DESK_TEST_SMTP_HOST=127.0.0.1
export DESK_TEST_SMTP_USER=clinic@skinspire.test
DESK_TEST_SMTP_PASSWORD="$("$_svc_py" -c \
  'import secrets, string; print("".join(secrets.choice(string.ascii_lowercase) for _ in range(16)))')"
export DESK_TEST_SMTP_PASSWORD
export DESK_TEST_SMTP_CA="$_svc_dir/ca.pem"
export DESK_TEST_SMTP_MAILDIR="$_svc_dir/maildir"
_svc_log="$work/smtp.log"
: >"$_svc_log"
_svc_ready=""
for _svc_try in 1 2 3; do
  _svc_port="$(_svc_free_port)"
  "$_svc_py" "$ROOT/scripts/services/smtp-server.py" --port "$_svc_port" \
    --cert "$_svc_dir/server.pem" --key "$_svc_dir/server.key" --maildir "$DESK_TEST_SMTP_MAILDIR" \
    --user "$DESK_TEST_SMTP_USER" --password "$DESK_TEST_SMTP_PASSWORD" \
    --quota-file "$DESK_TEST_SMTP_MAILDIR/quota" >>"$_svc_log" 2>&1 &
  smtp_pid=$!
  for _ in $(seq 1 100); do  # up to 10 s; it takes about 0.4 s
    if grep -qx "READY $_svc_port" "$_svc_log"; then _svc_ready=1; break; fi
    _svc_alive "$smtp_pid" || break
    sleep 0.1
  done
  [ -n "$_svc_ready" ] && break
  _svc_alive "$smtp_pid" && break  # alive but silent: retrying will not help
  smtp_pid=""
  grep -qi 'address already in use' "$_svc_log" || break  # only a taken port is worth a retry
done
[ -n "$_svc_ready" ] || _svc_fail "the test SMTP server did not start" "$_svc_log"
export DESK_TEST_SMTP_PORT="$_svc_port"

# --- Twilio: Prism serving the published contract
_svc_spec="${TWILIO_OAI_SPEC:-$ROOT/../shared/reference/twilio/twilio_api_v2010_messages.json}"
unset TWILIO_CONTRACT_URL
if [ ! -f "$_svc_spec" ]; then
  die "Twilio's OpenAPI spec is missing ($_svc_spec): the Twilio contract tests can't run without it. Set TWILIO_OAI_SPEC to its path."
else
  _svc_spec="$(cd "$(dirname "$_svc_spec")" && pwd)/$(basename "$_svc_spec")"
  export TWILIO_OAI_SPEC="$_svc_spec"
  # The binary itself, not `npx prism`: npx would sit between us and node, and killing npx by
  # its pid would leave Prism running.
  _svc_prism="$ROOT/tests/twilio-contract/node_modules/.bin/prism"
  [ -x "$_svc_prism" ] || die "Prism is not installed ($_svc_prism): run scripts/setup.sh"
  _svc_log="$work/prism.log"
  : >"$_svc_log"
  _svc_ready=""
  for _svc_try in 1 2 3; do
    _svc_port="$(_svc_free_port)"
    # Prism validates every request against the spec (422 with the violated rule, 401 without
    # basic auth); --errors also turns response violations into errors.
    "$_svc_prism" mock -h 127.0.0.1 -p "$_svc_port" --errors "$_svc_spec" >>"$_svc_log" 2>&1 &
    prism_pid=$!
    # Up to 90 s: it took 1.5 s on a warm machine, 10 s with its files cold after a fresh
    # install, and more than 20 s once in CI on a fresh clone.
    for _ in $(seq 1 360); do
      if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$_svc_port/"; then
        _svc_ready=1
        break
      fi
      _svc_alive "$prism_pid" || break
      sleep 0.25
    done
    [ -n "$_svc_ready" ] && break
    _svc_alive "$prism_pid" && break
    prism_pid=""
    grep -qi 'address already in use' "$_svc_log" || break
  done
  [ -n "$_svc_ready" ] || _svc_fail "Prism (the Twilio contract) did not start" "$_svc_log"
  export TWILIO_CONTRACT_URL="http://127.0.0.1:$_svc_port"

  # Prove it is the contract we think it is: a valid create is 201, one without To is 422.
  # (--data-urlencode: a bare '+' in a form body is a space.)
  _svc_sid="AC00000000000000000000000000000000"
  _svc_url="$TWILIO_CONTRACT_URL/2010-04-01/Accounts/$_svc_sid/Messages.json"
  _svc_code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "$_svc_sid:test-token" \
    --data-urlencode 'To=+15005550006' --data-urlencode 'From=+15005550001' \
    --data-urlencode 'Body=hi' "$_svc_url")"
  [ "$_svc_code" = 201 ] \
    || _svc_fail "Prism answered $_svc_code, not 201, to a valid message create" "$_svc_log"
  _svc_code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "$_svc_sid:test-token" \
    --data-urlencode 'From=+15005550001' --data-urlencode 'Body=hi' "$_svc_url")"
  [ "$_svc_code" = 422 ] \
    || _svc_fail "Prism answered $_svc_code, not 422, to a create without To: it is not validating requests" "$_svc_log"
fi

# --- PostgreSQL 15: the clinic's database server for the sync tests (one database per test),
# TLS with a certificate from the same test CA (SAN localhost, 127.0.0.1; not 127.0.0.2).
# Its own folder under /tmp: the postgres user can't enter the session's (0700) folder.
DESK_TEST_PG_DIR="$(mktemp -d /tmp/desk-test-pg.XXXXXX)"
export DESK_TEST_PG_DIR
export DESK_TEST_PG_CA="$DESK_TEST_SMTP_CA"
export DESK_TEST_PG_CERT="$_svc_dir/server.pem"
export DESK_TEST_PG_KEY="$_svc_dir/server.key"
_svc_port="$(_svc_free_port)"
"$ROOT/scripts/services/postgres.sh" start "$DESK_TEST_PG_DIR" "$_svc_port" "$DESK_TEST_PG_CERT" "$DESK_TEST_PG_KEY" \
  >"$work/postgres-start.log" 2>&1 \
  || _svc_fail "PostgreSQL did not start" "$DESK_TEST_PG_DIR/server.log"
export DESK_TEST_PG_PORT="$_svc_port"
pg_dir="$DESK_TEST_PG_DIR"

unset _svc_c _svc_dir _svc_ssl_log _svc_log _svc_ready _svc_try _svc_port _svc_spec _svc_prism \
  _svc_sid _svc_url _svc_code
