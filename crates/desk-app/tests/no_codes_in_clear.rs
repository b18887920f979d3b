//! After a full run (sends, wrong codes, right codes, expiry, restarts) with the most verbose
//! logging, no issued code appears in clear in the database files or the log files, and no
//! phone number or email address in the log files.

mod common;

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use time::Duration;

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn no_code_is_ever_written_in_clear() {
    let t = common::desk();
    // Logging at its most verbose, into this desk's own log folder (one subscriber per test
    // binary: this file holds only this test).
    std::env::set_var(desk_core::logging::LOG_ENV, "trace");
    let guard = desk_core::logging::init_with(&t.desk.paths().log_dir, false);
    // Eight digits: a random 8-digit run turning up by chance in hex or timestamps is
    // vanishingly unlikely, so any hit is a real leak.
    t.set(serde_json::json!({"otp_length": 8}));
    t.desk.load_sample_data("admin").expect("sample");
    let people: Vec<String> = t.desk.search("gmail").expect("search").into_iter().map(|p| p.user_id).collect();
    assert!(people.len() >= 10);

    let mut codes = Vec::new();
    for (i, id) in people.iter().enumerate() {
        let channel = [Channel::WHATSAPP, Channel::SMS, Channel::EMAIL][i % 3];
        let started = t.desk.start_verification("reception1", id, channel, true).expect("start");
        let code = t.code_in(started.outbox_id);
        codes.push(code.clone());
        let ct = channel.code_type();
        match i % 4 {
            0 => {
                t.desk.check_code("reception1", id, ct, &code).expect("right");
            }
            1 => {
                let _ = t.desk.check_code("reception1", id, ct, &common::TestDesk::wrong(&code));
                t.desk.check_code("reception1", id, ct, &code).expect("right after wrong");
            }
            2 => {
                for _ in 0..3 {
                    let _ = t.desk.check_code("reception1", id, ct, &common::TestDesk::wrong(&code));
                }
            }
            _ => {} // left waiting, then expired below
        }
        t.clock.advance(Duration::seconds(40));
    }
    t.clock.advance(Duration::minutes(15));
    for id in &people {
        let _ = t.desk.check_code("reception1", id, CodeType::Phone, "00000000");
        let _ = t.desk.check_code("reception1", id, CodeType::Email, "00000000");
    }
    let contacts: Vec<String> = t
        .desk
        .with_store(|s| {
            let mut st = s
                .conn()
                .prepare("SELECT phone FROM users WHERE phone IS NOT NULL UNION ALL SELECT email FROM users WHERE email IS NOT NULL")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
        .expect("contacts");
    assert!(contacts.len() > 20);
    drop(guard); // flush the log writer

    // Close, reopen and close again: the WAL is checkpointed into the main file, and both
    // are scanned.
    let common::TestDesk { desk, dir: tmp, .. } = t.reopen();
    drop(desk);

    let files = files_under(tmp.path());
    assert!(files.iter().any(|f| f.ends_with("desk.sqlite3")), "{files:?}");
    let logs: Vec<_> = files.iter().filter(|f| f.to_string_lossy().contains("/logs/")).collect();
    assert!(!logs.is_empty(), "the log folder has files: {files:?}");
    let log_bytes: usize = logs.iter().map(|f| std::fs::metadata(f).map(|m| m.len() as usize).unwrap_or(0)).sum();
    assert!(log_bytes > 1_000, "the run was logged ({log_bytes} bytes)");

    // The logs never hold a contact in clear either (the database does: it is the desk's record).
    for log in &logs {
        let text = std::fs::read_to_string(log).expect("log text");
        for c in &contacts {
            let digits = c.trim_start_matches("+91");
            assert!(!text.contains(c.as_str()) && !text.contains(digits), "contact {c} in clear in {}", log.display());
        }
    }

    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        for code in &codes {
            assert!(!bytes.windows(code.len()).any(|w| w == code.as_bytes()), "code found in clear in {}", file.display());
        }
    }
}
