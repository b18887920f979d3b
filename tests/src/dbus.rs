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
