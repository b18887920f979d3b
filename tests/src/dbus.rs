//! A private D-Bus session bus with nothing on it: no Secret Service and no activation, the way a
//! workstation without a keyring daemon looks to the app.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct BareBus {
    child: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl BareBus {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir for the bus");
        let config = dir.path().join("bus.conf");
        // No <servicedir>: nothing can be activated, so org.freedesktop.secrets stays unknown.
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
                dir.path().display()
            ),
        )
        .expect("write bus config");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (make test installs it)");
        let stdout = child.stdout.take().expect("bus stdout");
        let mut address = String::new();
        BufReader::new(stdout).read_line(&mut address).expect("read bus address");
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus-daemon gave no address: {address:?}");
        BareBus { child, address, _dir: dir }
    }
}

impl Drop for BareBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A keyring of a test's own: a private session bus with a gnome-keyring-daemon on it, in
/// throwaway data and runtime folders, unlocked with a known password. The test can lock it
/// (the Secret Service `Lock` call) and unlock it again without a prompt (gnome-keyring's
/// `UnlockWithMasterPassword`, the only headless way: `Unlock` asks for a prompt nobody can
/// answer here, and `gnome-keyring-daemon --unlock` starts a second daemon instead).
pub struct PrivateKeyring {
    bus: Child,
    daemon_pid: Option<u32>,
    pub address: String,
    _data: tempfile::TempDir,
    runtime: tempfile::TempDir,
}

const KEYRING_PASSWORD: &str = "test-pass";
const DEFAULT_COLLECTION: &str = "/org/freedesktop/secrets/aliases/default";

impl PrivateKeyring {
    /// Started with no display anywhere: an unlock prompt is dismissed at once.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Started on the session's display (Xvfb): an unlock prompt opens a window there that
    /// nobody answers, as on a desk whose prompt was left unattended.
    pub fn start_with_unanswered_prompts() -> Self {
        Self::start_with(true)
    }

    fn start_with(prompts_on_display: bool) -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let runtime = tempfile::tempdir().expect("runtime dir");
        // No display for the bus either: the services it activates (gnome-keyring's prompter)
        // must find none, so an unlock prompt is dismissed at once instead of waiting on a
        // window nobody sees.
        let mut bus = Command::new("dbus-daemon");
        bus.args(["--session", "--nofork", "--print-address=1"]).env("XDG_RUNTIME_DIR", runtime.path());
        if !prompts_on_display {
            bus.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
        } else {
            assert!(std::env::var_os("DISPLAY").is_some(), "a display (Xvfb) for the prompt: run under make test");
        }
        let mut bus =
            bus.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("dbus-daemon must be installed (make test installs it)");
        let stdout = bus.stdout.take().expect("bus stdout");
        let mut address = String::new();
        BufReader::new(stdout).read_line(&mut address).expect("bus address");
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus-daemon gave no address: {address:?}");
        let mut k = PrivateKeyring { bus, daemon_pid: None, address, _data: data, runtime };
        let mut daemon = k
            .command("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon must be installed (make test installs it)");
        {
            use std::io::Write;
            let mut stdin = daemon.stdin.take().expect("stdin");
            stdin.write_all(KEYRING_PASSWORD.as_bytes()).expect("password");
        }
        let _ = daemon.wait();
        // It returns before its child owns the name; NameHasOwner waits without activating a
        // second daemon.
        for _ in 0..300 {
            if k.busctl(&[
                "call",
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "NameHasOwner",
                "s",
                "org.freedesktop.secrets",
            ])
            .contains("true")
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let pid = k.busctl(&[
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            "s",
            "org.freedesktop.secrets",
        ]);
        k.daemon_pid = pid.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        assert!(k.daemon_pid.is_some(), "gnome-keyring-daemon did not come up on the private bus: {pid}");
        assert!(!k.is_locked(), "the private keyring starts unlocked");
        k
    }

    /// A command with this keyring's environment (bus, folders; no display, so no prompt).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self._data.path())
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        c
    }

    fn busctl(&self, args: &[&str]) -> String {
        let out = self.command("busctl").arg("--user").args(args).output().expect("busctl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn is_locked(&self) -> bool {
        self.busctl(&[
            "get-property",
            "org.freedesktop.secrets",
            "/org/freedesktop/secrets/collection/login",
            "org.freedesktop.Secret.Collection",
            "Locked",
        ])
        .contains("true")
    }

    /// Lock the default collection, as the desktop does when the screen locks.
    pub fn lock(&self) {
        let out = self.busctl(&[
            "call",
            "org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service",
            "Lock",
            "ao",
            "1",
            DEFAULT_COLLECTION,
        ]);
        assert!(out.contains(DEFAULT_COLLECTION), "Lock answered {out:?}");
        assert!(self.is_locked());
    }

    /// Unlock it with its password, without a prompt.
    pub fn unlock(&self) {
        const UNLOCK: &str = "import dbus, sys
bus = dbus.SessionBus(); obj = bus.get_object('org.freedesktop.secrets', '/org/freedesktop/secrets')
_, sess = dbus.Interface(obj, 'org.freedesktop.Secret.Service').OpenSession('plain', dbus.String('', variant_level=1))
pw = sys.stdin.buffer.read()
dbus.Interface(obj, 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface').UnlockWithMasterPassword(
    dbus.ObjectPath(sys.argv[1]), (sess, dbus.ByteArray(b''), dbus.ByteArray(pw), 'text/plain'))";
        // The system Python: python3-dbus is installed for it (make test installs it).
        let mut child = self
            .command("/usr/bin/python3")
            .args(["-c", UNLOCK, DEFAULT_COLLECTION])
            .stdin(Stdio::piped())
            .spawn()
            .expect("python3 with python3-dbus");
        {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(KEYRING_PASSWORD.as_bytes()).expect("password");
        }
        assert!(child.wait().expect("unlock").success(), "UnlockWithMasterPassword failed");
        assert!(!self.is_locked());
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        if let Some(pid) = self.daemon_pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
