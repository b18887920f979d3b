#!/usr/bin/python3
"""A real SMTP server for the email tests, shaped like Gmail's submission port (587).

STARTTLS is required before anything else, AUTH (PLAIN or LOGIN) is required before MAIL,
and AUTH is refused on a connection that has not started TLS. Run it with a python3 that can
import aiosmtpd (Debian's python3-aiosmtpd, i.e. /usr/bin/python3); start-services.sh does.

    smtp-server.py --port P --cert server.pem --key server.key --maildir DIR \
                   --user U --password PW [--quota-file FILE]

Prints one line `READY <port>` on stdout once it listens; exits cleanly on SIGTERM or SIGINT.

Delivery
    Each accepted message becomes one file DIR/<n>.eml (n = 1, 2, ...). It is written to a
    hidden temporary name and renamed, so a reader never sees half a message. Two header lines
    are prepended to the message as received:
        X-Test-Mail-From: <envelope sender>
        X-Test-Rcpt-To: <envelope recipients, comma-separated>
    Tests running in parallel should each use their own recipient and find their message by
    X-Test-Rcpt-To.

Wrong credentials get Gmail's answer: `535 5.7.8 Username and Password not accepted`.

Fault injection: DIR/faults.json, read at every AUTH and every DATA (absent = no faults):
    {
      "next":    ["421", "454", "550-5.4.5"],   # popped by the next DATA, whoever sends it
      "by_rcpt": {"a@x.test": ["421"]},          # popped by the next DATA with that recipient
      "auth":    ["454"]                         # popped by the next AUTH
    }
    Each DATA pops one entry (from "by_rcpt" for one of its recipients first, else from "next")
    and answers it instead of accepting the message; nothing is saved. The file is rewritten
    (temp file + rename) without the popped entry, so after the list is used up the server
    accepts again. Entries:
        "421"        421 4.7.0 Try again later, closing connection.   (and the server hangs up,
                     as Gmail does)
        "451"        451 4.3.0 Mail server temporarily rejected message.
        "454"        454 4.7.0 Too many login attempts, please try again later.
        "550"        550 5.4.5 Daily user sending limit exceeded.
        "550-5.4.5"  the same, as Gmail's multi-line reply (three lines, 550-... / 550 ...)
        "552"        552 5.3.4 Your message exceeded Google's message size limits.
        anything else that starts with three digits is sent as given, e.g.
        "450 4.2.1 The user you are trying to contact is receiving mail too quickly."
    An "auth" entry answers the next AUTH with that reply instead of checking the password.
    Writers: write the whole file at once (temp file + rename). If several tests in one process
    edit it, hold one lock around the edit; the server itself only reads it and rewrites it.

Quota (optional, --quota-file FILE): FILE holds an integer, the messages still allowed. Each
    accepted message decrements it; at 0 every DATA gets `550 5.4.5 Daily user sending limit
    exceeded.` An absent or empty file (or one without a number) means no limit. Read at every
    DATA.
"""

import argparse
import hmac
import json
import os
import re
import signal
import ssl
import sys
import logging
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

BAD_CREDENTIALS = "535 5.7.8 Username and Password not accepted"
DAILY_LIMIT = "550 5.4.5 Daily user sending limit exceeded."
FAULTS = {
    "421": "421 4.7.0 Try again later, closing connection.",
    "451": "451 4.3.0 Mail server temporarily rejected message.",
    "454": "454 4.7.0 Too many login attempts, please try again later.",
    "550": DAILY_LIMIT,
    "550-5.4.5": "\r\n".join([
        "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail",
        "550-5.4.5 sending limits go to",
        "550 5.4.5  https://support.google.com/a/answer/166852 - gsmtp",
    ]),
    "552": "552 5.3.4 Your message exceeded Google's message size limits.",
}

# One lock for every read-modify-write of faults.json, the quota file and the message counter:
# aiosmtpd runs all sessions on one event loop thread, but keep it explicit.
_lock = threading.Lock()


def _write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path), ".%s.tmp" % os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _reply_for(entry):
    entry = str(entry).strip()
    if entry in FAULTS:
        return FAULTS[entry]
    if re.match(r"^[2-5]\d\d[ -]", entry) or re.fullmatch(r"[2-5]\d\d", entry):
        return entry
    return "451 4.3.0 Test server: unknown fault %r in faults.json" % entry


class Faults:
    def __init__(self, path):
        self.path = path

    def _pop(self, pick):
        """Pop one entry chosen by pick(doc) -> list or None; rewrite the file; return it."""
        with _lock:
            try:
                with open(self.path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                return None
            if not raw.strip():
                return None
            try:
                doc = json.loads(raw)
            except ValueError as e:
                return "451 4.3.0 Test server: faults.json is not valid JSON (%s)" % e
            queue = pick(doc)
            if not queue:
                return None
            entry = queue.pop(0)
            _write_atomic(self.path, json.dumps(doc, indent=2).encode())
            return _reply_for(entry)

    def for_data(self, rcpts):
        def pick(doc):
            by_rcpt = doc.get("by_rcpt") or {}
            for r in rcpts:
                for key in (r, r.lower()):
                    if by_rcpt.get(key):
                        return by_rcpt[key]
            return doc.get("next")
        return self._pop(pick)

    def for_auth(self):
        return self._pop(lambda doc: doc.get("auth"))


class Quota:
    def __init__(self, path):
        self.path = path

    def take(self):
        """True when a message may be accepted (and counts it), False when the quota is spent."""
        if not self.path:
            return True
        with _lock:
            try:
                with open(self.path) as f:
                    text = f.read().strip()
            except FileNotFoundError:
                return True
            if not text:
                return True
            try:
                left = int(text)
            except ValueError:
                return True  # not a number: treated as no limit (see the file's docstring)
            if left <= 0:
                return False
            _write_atomic(self.path, b"%d\n" % (left - 1))
            return True


class Authenticator:
    def __init__(self, user, password, faults):
        self.user = user.encode()
        self.password = password.encode()
        self.faults = faults

    def __call__(self, server, session, envelope, mechanism, auth_data):
        fault = self.faults.for_auth()
        if fault:
            return AuthResult(success=False, handled=False, message=fault)
        ok = (
            isinstance(auth_data, LoginPassword)
            and hmac.compare_digest(auth_data.login, self.user)
            and hmac.compare_digest(auth_data.password, self.password)
        )
        # handled=False: aiosmtpd sends the reply itself (with handled=True nothing is sent
        # and a client with a wrong password waits forever).
        return AuthResult(
            success=ok, handled=False, message=None if ok else BAD_CREDENTIALS,
            auth_data=auth_data,
        )


class Maildir:
    def __init__(self, maildir, faults, quota):
        self.maildir = maildir
        self.faults = faults
        self.quota = quota
        self.counter = 0
        for name in os.listdir(maildir):
            m = re.fullmatch(r"(\d+)\.eml", name)
            if m:
                self.counter = max(self.counter, int(m.group(1)))

    async def handle_DATA(self, server, session, envelope):
        fault = self.faults.for_data(envelope.rcpt_tos)
        if fault:
            if fault.startswith("421"):
                # 421 means the server closes the connection: do it once the reply is out.
                transport = server.transport
                server.loop.call_later(0.05, transport.close)
            return fault
        if not self.quota.take():
            return DAILY_LIMIT
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        head = "X-Test-Mail-From: %s\r\nX-Test-Rcpt-To: %s\r\n" % (
            envelope.mail_from, ", ".join(envelope.rcpt_tos))
        with _lock:
            self.counter += 1
            n = self.counter
            _write_atomic(os.path.join(self.maildir, "%d.eml" % n), head.encode() + content)
        return "250 2.0.0 OK %d - gsmtp" % n


def main():
    # aiosmtpd logs a warning about its own use of Session.login_data at every AUTH: drop it.
    logging.getLogger("mail.log").addFilter(
        lambda record: "Session.login_data is deprecated" not in record.getMessage())
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--quota-file")
    a = p.parse_args()

    os.makedirs(a.maildir, exist_ok=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)

    faults = Faults(os.path.join(a.maildir, "faults.json"))
    controller = Controller(
        Maildir(a.maildir, faults, Quota(a.quota_file)),
        hostname="127.0.0.1",
        port=a.port,
        server_hostname="smtp.skinspire.test",
        tls_context=ctx,
        require_starttls=True,
        authenticator=Authenticator(a.user, a.password, faults),
        auth_required=True,
        auth_require_tls=True,
        enable_SMTPUTF8=True,
        data_size_limit=35882577,  # what Gmail advertises
    )

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    print("READY %d" % a.port, flush=True)
    while not stop.wait(1):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
