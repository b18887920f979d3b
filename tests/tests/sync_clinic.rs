//! Sync against a real PostgreSQL 15 holding the clinic's schema with its real quirks
//! (tests/fixtures/hms/quirks.sql) and the desk's clinic-side SQL (migrations/hms/install.sql):
//! the desk role's rights, TLS, the first pull, the push and the fold into
//! `users.verification_status`, retries, the watermark, and a fork.

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_sync::SyncError;
use desk_tests::pg::{ClinicDb, Pg, H1};
use desk_tests::sync_desk::{input_for, SyncDesk};
use time::macros::datetime;

const T0: time::OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

fn clinic(test: &str) -> ClinicDb {
    Pg::session(test).clinic(test)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn the_desk_role_can_execute_the_sync_functions_and_nothing_else() {
    let clinic = clinic("privileges");
    let (role, password) = clinic.enroll("front", H1);
    // From the catalogue: every relation and sequence outside the system schemas, every function.
    let tables = clinic.sql(&format!(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
           AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
           AND (has_table_privilege('{role}', c.oid, 'SELECT') OR has_table_privilege('{role}', c.oid, 'INSERT')
             OR has_table_privilege('{role}', c.oid, 'UPDATE') OR has_table_privilege('{role}', c.oid, 'DELETE')
             OR has_table_privilege('{role}', c.oid, 'TRUNCATE') OR has_table_privilege('{role}', c.oid, 'REFERENCES'))"
    ));
    assert_eq!(tables, "0", "the desk role has a right on some table");
    let sequences = clinic.sql(&format!(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND (has_sequence_privilege('{role}', c.oid, 'USAGE') OR has_sequence_privilege('{role}', c.oid, 'SELECT'))"
    ));
    assert_eq!(sequences, "0");
    let functions = clinic.sql(&format!(
        "SELECT string_agg(p.proname, ',' ORDER BY p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND has_function_privilege('{role}', p.oid, 'EXECUTE')"
    ));
    assert_eq!(functions, "hello,pull_begin,pull_conflicts,pull_people,pull_settings,pull_sign_ins,push");

    // And over the wire, as the desk: direct reads and writes are refused.
    rt().block_on(async {
        let c = clinic.connect_as(&role, &password).await;
        for sql in [
            "SELECT * FROM public.users",
            "SELECT * FROM public.verification_codes",
            "UPDATE public.users SET verification_status = '{}'",
            "SELECT * FROM desk_sync.desk_events",
            "INSERT INTO desk_sync.desk_events (device_id, seq) VALUES ('x', 1)",
        ] {
            let err = c.simple_query(sql).await.expect_err(sql);
            assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {err}");
        }
    });
}

#[test]
fn tls_refuses_a_wrong_host_name_and_an_unknown_ca() {
    let clinic = clinic("tls");
    let d = SyncDesk::enrolled(&clinic, "tls", H1, T0);
    // 127.0.0.2 reaches the same server, but its certificate names 127.0.0.1 and localhost.
    let mut wrong_host = input_for(&clinic, &d.role, Some(&d.password));
    wrong_host.host = "127.0.0.2".into();
    let err = rt().block_on(d.desk.sync_test(&wrong_host)).expect_err("a host the certificate doesn't name");
    assert!(err.user_message().contains("certificate wasn't accepted"), "{}", err.user_message());
    // No CA file: the public roots, which never signed the clinic's certificate.
    let mut unknown_ca = input_for(&clinic, &d.role, Some(&d.password));
    unknown_ca.ca_file = String::new();
    let err = rt().block_on(d.desk.sync_test(&unknown_ca)).expect_err("a CA the desk doesn't trust");
    assert!(err.user_message().contains("certificate wasn't accepted"), "{}", err.user_message());
    // The right settings connect.
    let ok = rt().block_on(d.desk.sync_test(&input_for(&clinic, &d.role, None))).expect("connects");
    assert!(ok.starts_with("Connected to 127.0.0.1"), "{ok}");
    // A wrong password is named as such.
    let err = rt().block_on(d.desk.sync_test(&input_for(&clinic, &d.role, Some("not-the-password")))).expect_err("wrong password");
    assert!(err.user_message().contains("refused this desk's role or password"), "{}", err.user_message());
}

#[test]
fn the_first_pull_brings_the_hospitals_people_normalised_and_flags_what_it_cannot_read() {
    let clinic = clinic("first_pull");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let r = d.synced();
    assert!(r.pulled.full, "a first pull fetches everything");
    assert_eq!(r.pulled.received, 18, "H1's 18 people, none of H2's");
    let (h2, inactive): (i64, i64) = d
        .desk
        .with_store(|s| {
            Ok((
                s.conn().query_row("SELECT count(*) FROM users WHERE user_id IN ('+919845030001', '9845030002')", [], |r| r.get(0))?,
                s.conn().query_row("SELECT count(*) FROM users WHERE origin = 'clinic' AND is_active = 0", [], |r| r.get(0))?,
            ))
        })
        .expect("read");
    assert_eq!(h2, 0, "another hospital's people never reach this desk");
    assert!(inactive >= 3, "the soft-deleted, the inactive patient and the inactive user are inactive here ({inactive})");

    // Both phone forms to E.164; double-encoded contacts unwrapped; emails trimmed, domain lower-cased.
    let person = |id: &str| d.desk.person(id).expect(id);
    assert_eq!(person("9845012346").phone.as_deref(), Some("+919845012346"));
    assert_eq!(person("9845012346").email.as_deref(), Some("Ravi.Kumar@example.com"));
    assert_eq!(person("+919845012347").display_name, "Meera Iyer");
    assert_eq!(person("+919845012347").email.as_deref(), Some("meera.iyer@example.com"));
    assert_eq!(person("+919845012348").phone.as_deref(), Some("+919845012348"), "the `mobile` key");
    assert_eq!(person("9845012349").email.as_deref(), Some("Divya.Nair@example.com"));
    assert_eq!(person("+919845012354").display_name, "Jaya Pillai", "names in the columns");
    // The Flask page's verification (naive UTC time) is taken over.
    // (Verified in April 2025: past the desk's validity period now, so shown as expired.)
    let farah = person("+919845012350").email_status;
    assert!(
        matches!(farah, desk_core::verify::ContactStatus::Verified { .. } | desk_core::verify::ContactStatus::Expired { .. }),
        "{farah:?}"
    );
    // Search finds clinic people; the soft-deleted one is not offered.
    assert_eq!(d.desk.search("Asha Rao").expect("search").len(), 1);
    assert!(d.desk.search("Gopal Menon").expect("search").is_empty());

    // The unreadable phone: the person is there without it, and the row is listed for an admin.
    assert_eq!(person("+919845012353").phone, None);
    let unreadable = d.desk.sync_unreadable().expect("list");
    let row = unreadable.iter().find(|u| u.user_id == "+919845012353").expect("the unreadable row is listed");
    assert!(row.problems.iter().any(|p| p.contains("call reception")), "{:?}", row.problems);
    assert!(!row.raw.contains("scrypt") && !row.raw.contains("$2a$"), "no password hash is kept in the list");

    // Staff come with their roles and hashes, and sign in with the clinic's password, offline.
    let staff = d.desk.with_store(|s| desk_core::staff::list(s.conn(), T0)).expect("staff");
    let role_of = |id: &str| staff.iter().find(|s| s.user_id == id).map(|s| (s.role, s.is_active));
    use desk_core::staff::Role;
    assert_eq!(role_of("+919845020001"), Some((Role::Reception, true)), "Receptionist");
    assert_eq!(role_of("+919845020002"), Some((Role::Admin, true)), "Hospital Administrator");
    assert_eq!(role_of("9845020003"), Some((Role::Reception, true)), "Receptionist + Doctor");
    assert_eq!(role_of("+919845020004"), None, "a doctor has no desk account");
    assert_eq!(role_of("+919845020006").map(|r| r.1), Some(false), "inactive in the clinic");
    let patients_hashes: i64 = d
        .desk
        .with_store(|s| {
            Ok(s.conn().query_row(
                "SELECT count(*) FROM staff_accounts a JOIN users u USING (user_id) WHERE u.entity_type = 'patient'",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("read");
    assert_eq!(patients_hashes, 0, "no patient gets an account or a hash");
    d.desk.sign_in("+919845020001", "clinic-pass-1").expect("werkzeug scrypt");
    d.desk.sign_out().ok();
    d.desk.sign_in("+919845020002", "clinic-pass-1").expect("bcrypt");
    d.desk.sign_out().ok();
    assert!(d.desk.sign_in("+919845020006", "clinic-pass-1").is_err(), "disabled in the clinic");

    // A second pull with nothing changed applies nothing.
    let again = d.synced();
    assert!(!again.pulled.full);
    assert_eq!((again.pulled.added, again.pulled.changed), (0, 0), "{:?}", again.pulled);
}

#[test]
fn a_verification_reaches_the_clinic_once_and_stale_or_practice_ones_never_apply() {
    let clinic = clinic("push_fold");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    d.clock.advance(time::Duration::minutes(3));
    d.verify("+919845012345", Channel::EMAIL);
    let r = d.synced();
    assert!(r.pushed.inserted > 0);
    let status = clinic.status_of("+919845012345");
    assert_eq!(status["email"]["verified"], true, "{status}");
    assert_eq!(status["email"]["target"], "asha.rao@example.com");
    let applied = clinic.sql("SELECT count(*) FROM desk_sync.desk_events WHERE applied = 'applied'");
    assert_eq!(applied, "1");

    // A retry (the same events again) adds nothing.
    let rows = clinic.sql("SELECT count(*) FROM desk_sync.desk_events");
    let again = d.synced();
    assert_eq!(again.pushed.inserted, 0);
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events"), rows);

    // The number changes in the clinic while the desk verifies the old one offline: the
    // clinic keeps the event as stale, and the desk undoes its verification at the next pull.
    d.verify("9845012346", Channel::SMS);
    clinic.sql(
        "UPDATE patients SET contact_info = jsonb_set(contact_info, '{phone}', '\"9845099999\"')
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '9845012346')",
    );
    d.synced();
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events WHERE applied = 'stale_target'"), "1");
    assert_ne!(clinic.status_of("9845012346")["phone"]["verified"], true);
    let ravi = d.desk.person("9845012346").expect("person");
    assert_eq!(ravi.phone.as_deref(), Some("+919845099999"));
    assert!(
        matches!(
            ravi.phone_status,
            desk_core::verify::ContactStatus::NotVerified { changed_by: Some(desk_core::verify::ChangedBy::Clinic), .. }
        ),
        "the desk says the number changed in the clinic: {:?}",
        ravi.phone_status
    );
    let kinds: Vec<String> = d.desk.events_for("9845012346").expect("events").into_iter().map(|e| e.kind.to_string()).collect();
    assert!(kinds.contains(&"invalidated".to_owned()), "{kinds:?}");
}

#[test]
fn practice_in_demo_mode_never_reaches_the_clinics_records() {
    let clinic = clinic("practice");
    let (role, password) = clinic.enroll("demo", H1);
    // A desk with no provider set up: demo mode.
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = desk_tests::sync_desk::mock_keyring();
    let clock = desk_core::clock::ManualClock::at(T0);
    let desk = desk_app::Desk::open_with(
        desk_app::AppPaths::under(dir.path()),
        keyring,
        std::sync::Arc::new(clock.clone()),
        std::sync::Arc::new(desk_core::codes::SeededRandom::new(3)),
    )
    .expect("open");
    desk.sync_save("admin", &input_for(&clinic, &role, Some(&password))).expect("save");
    rt().block_on(desk.syncer().round()).expect("first sync");
    let started = desk.start_verification("reception1", "9845012356", Channel::EMAIL, true).expect("start");
    // The code the message carries (read before the demo outbox takes it).
    let code = desk
        .with_store(|s| desk_core::outbox::get(s.conn(), desk.engine().secrets(), started.outbox_id))
        .expect("outbox")
        .and_then(|m| m.code)
        .map(|c| secrecy::ExposeSecret::expose_secret(&c).to_owned())
        .expect("code");
    rt().block_on(async {
        desk_delivery::worker::tick(desk.ctx()).await.expect("tick");
    });
    let v = desk.check_code("reception1", "9845012356", CodeType::Email, &code).expect("check");
    assert!(v.verified.practice);
    rt().block_on(desk.syncer().round()).expect("sync");
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events WHERE applied = 'practice'"), "1");
    assert_ne!(clinic.status_of("9845012356")["email"]["verified"], true);
}

#[test]
fn a_transaction_open_across_a_pull_is_not_skipped_where_an_updated_at_watermark_would_be() {
    let pg = Pg::session("watermark");
    let clinic = pg.clinic("watermark");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    // A clinic transaction edits Asha's email and stays open (a slow form, a long report)...
    let mut writer = std::process::Command::new("psql")
        .arg("-h")
        .arg(pg.socket())
        .args(["-p", &pg.port.to_string(), "-U", "postgres", "-d", &clinic.db, "-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("psql");
    use std::io::Write;
    let stdin = writer.stdin.as_mut().expect("stdin");
    writeln!(
        stdin,
        "BEGIN; UPDATE patients SET contact_info = jsonb_set(contact_info, '{{email}}', '\"asha.new@example.com\"'), updated_at = now()
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '+919845012345');
         SELECT pg_current_xact_id(); \\o /dev/null"
    )
    .expect("write");
    stdin.flush().expect("flush");
    // Wait until the edit is made (its row lock is held) before pulling.
    for _ in 0..100 {
        let waiting =
            clinic.sql("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()");
        if waiting == "1" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pulled_at = clinic.sql("SELECT now()");
    let r = d.synced();
    assert_eq!(r.pulled.changed, 0, "the open transaction's edit isn't visible yet");
    // ... and commits after the pull, with an updated_at from before it.
    writeln!(stdin, "COMMIT;").expect("commit");
    drop(writer.stdin.take());
    writer.wait().expect("psql ends");
    // What an `updated_at` watermark would ask for finds nothing: the edit would be lost.
    let by_time = clinic.sql(&format!("SELECT count(*) FROM patients WHERE updated_at > '{pulled_at}'"));
    assert_eq!(by_time, "0", "the late commit's updated_at is older than the pull");
    // The snapshot watermark finds it.
    let r = d.synced();
    assert!(r.pulled.changed >= 1, "{:?}", r.pulled);
    assert_eq!(d.desk.person("+919845012345").expect("person").email.as_deref(), Some("asha.new@example.com"));
}

#[test]
fn a_desk_restored_from_an_old_backup_stops_and_starts_again_as_a_new_device() {
    let clinic = clinic("fork");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    // The backup: a copy of the data folder now.
    let backup = tempfile::tempdir().expect("tempdir");
    d.desk
        .with_store(|s| Ok(s.conn().execute_batch(&format!("VACUUM INTO '{}'", backup.path().join("b.sqlite3").display()))?))
        .expect("backup");
    d.verify("+919845012345", Channel::EMAIL);
    d.synced();
    let clinic_rows = clinic.sql("SELECT count(*) FROM desk_sync.desk_events");
    // Restore it over the desk's database, and carry on working.
    let db_file = d.desk.paths().db_file.clone();
    let d = {
        let SyncDesk { desk, clock, dir, keyring, role, password, live } = d;
        drop(desk);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db_file.display()));
        }
        std::fs::copy(backup.path().join("b.sqlite3"), &db_file).expect("restore");
        let _ = (dir.path(), &keyring);
        SyncDesk { desk: reopen(&dir, &keyring, &clock), clock, dir, keyring, role, password, live }
    };
    d.verify("9845012346", Channel::EMAIL);
    let err = d.sync().expect_err("the clinic holds other events under these numbers");
    assert!(matches!(err, SyncError::Forked { .. }), "{err}");
    assert!(err.to_string().contains("restored from a backup"), "{err}");
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events"), clinic_rows, "nothing was overwritten or added");
    let view = d.desk.sync_view().expect("view");
    assert!(view.summary.as_deref().unwrap_or_default().contains("Sync stopped"), "{:?}", view.summary);
    // It stays stopped until an admin starts the desk as a new device.
    assert!(matches!(d.sync(), Err(SyncError::Forked { .. })));
    d.desk.sync_start_new_device("admin").expect("new device");
    let d = d.reopen();
    let r = d.synced();
    assert!(r.pushed.inserted > 0);
    assert_eq!(clinic.sql("SELECT count(DISTINCT device_id) FROM desk_sync.desk_events"), "2");
    assert_eq!(d.desk.sync_view().expect("view").status.events_waiting, 0);
}

fn reopen(dir: &tempfile::TempDir, keyring: &desk_core::secrets::Keyring, clock: &desk_core::clock::ManualClock) -> desk_app::Desk {
    desk_app::Desk::open_with_providers(
        desk_app::AppPaths::under(dir.path()),
        keyring.clone(),
        std::sync::Arc::new(clock.clone()),
        std::sync::Arc::new(desk_core::codes::SeededRandom::new(99)),
        desk_tests::sync_desk::carriers(),
    )
    .expect("reopen")
}

#[test]
fn changing_the_server_needs_the_password_typed_again_and_the_password_is_never_stored() {
    let clinic = clinic("settings");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let mut moved = input_for(&clinic, &d.role, None);
    moved.host = "clinic.example.org".into();
    let err = d.desk.sync_save("admin", &moved).expect_err("the password would go to a new host");
    assert!(err.user_message().contains("type the desk role's password again"), "{}", err.user_message());
    let setup = d.desk.sync_setup().expect("setup");
    assert!(setup.password_saved);
    assert_eq!(setup.host, "127.0.0.1");
    // The password is in the keyring only: not in any table of the desk's database.
    let dump = d
        .desk
        .with_store(|s| {
            let mut all = String::new();
            for t in ["settings", "sync_state", "verification_events"] {
                let mut stmt = s.conn().prepare(&format!("SELECT * FROM {t}"))?;
                let n = stmt.column_count();
                let rows = stmt.query_map([], |r| {
                    Ok((0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("|"))
                })?;
                for row in rows {
                    all.push_str(&row?);
                }
            }
            Ok(all)
        })
        .expect("dump");
    assert!(!dump.contains(&d.password), "the desk role's password is in the database");
}

#[test]
fn the_clinics_verification_settings_apply_read_only_and_never_below_the_floor() {
    let clinic = clinic("central_settings");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    assert_eq!(d.desk.policy().expect("policy").max_otp_attempts, 3, "the desk's own default before the first pull");
    d.synced();
    assert_eq!(d.desk.policy().expect("policy").max_otp_attempts, 4, "the clinic's value, from hospital_settings");
    let mut patch = serde_json::Map::new();
    patch.insert("max_otp_attempts".into(), 5.into());
    let err = d.desk.update_settings("admin", &patch).expect_err("set centrally");
    assert!(err.user_message().contains("set in the clinic system"), "{}", err.user_message());
    // The settings screen learns which ones to show read-only, with their labels and values.
    let central = d.desk.settings_central().expect("central settings");
    let attempts = central.iter().find(|c| c.name == "max_otp_attempts").expect("listed");
    assert_eq!(attempts.value, serde_json::json!(4));
    assert!(!attempts.label.is_empty() && attempts.label != attempts.name, "{attempts:?}");
    assert!(central.iter().all(|c| c.name != "resend_cooldown_seconds"), "{central:?}");
    // A setting the clinic doesn't set stays the desk's own.
    let mut own = serde_json::Map::new();
    own.insert("resend_cooldown_seconds".into(), 45.into());
    d.desk.update_settings("admin", &own).expect("the desk's own setting");
    // The clinic lowers the code length below the desk's floor: the desk keeps 6 and says so.
    clinic.sql("UPDATE hospital_settings SET settings = settings || '{\"otp_length\": 4}' WHERE setting_id = 'd1000000-0000-4000-8000-000000000001'");
    d.synced();
    let policy = d.desk.policy().expect("policy");
    assert_eq!((policy.otp_length, policy.code_length()), (4, 6));
    assert!(policy.floor_notices().iter().any(|n| n.setting == "otp_length"), "the admin is told");
    let started = d.desk.start_verification("reception1", "+919845012345", Channel::EMAIL, true).expect("start");
    assert_eq!(started.code_length, 6);
}

#[test]
fn a_walk_in_the_clinic_knows_merges_with_the_clinic_record_and_brings_its_verification() {
    let clinic = clinic("walkin");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    // Before the desk was connected: Asha came in as a walk-in and verified her phone; someone
    // else with her number but another name stays a walk-in.
    let add = |name: &str| {
        d.desk
            .add_person(
                "reception1",
                &desk_core::people::PersonInput { display_name: name.into(), phone: Some("98450 12345".into()), ..Default::default() },
            )
            .expect("walk-in")
            .user_id
    };
    let asha = add("asha  rao");
    let other = add("Asha's brother");
    d.verify(&asha, Channel::SMS);
    d.synced();
    // One Asha, the clinic's, verified.
    let hits = d.desk.search("Asha Rao").expect("search");
    assert_eq!(hits.iter().map(|h| h.user_id.as_str()).collect::<Vec<_>>(), vec!["+919845012345"], "{hits:?}");
    let person = d.desk.person("+919845012345").expect("clinic person");
    assert!(matches!(person.phone_status, desk_core::verify::ContactStatus::Verified { .. }), "{:?}", person.phone_status);
    assert!(d.desk.person(&asha).is_err(), "the walk-in row is retired");
    assert!(d.desk.person(&other).is_ok(), "a different name is not merged");
    assert!(d.desk.events_for(&asha).expect("events").iter().any(|e| e.kind.to_string() == "person_merged"));
    // The merged verification reaches the clinic at the next push.
    d.synced();
    let status = clinic.status_of("+919845012345");
    assert_eq!(status["phone"]["verified"], true, "{status}");
}

#[test]
fn a_changed_role_map_reaches_every_clinic_account_at_the_next_sync() {
    let clinic = clinic("role_map");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    use desk_core::staff::clinic::RoleMapping;
    use desk_core::staff::Role;
    // Doctors get reception accounts; receptionists no longer get any.
    d.desk
        .sync_role_map_save(
            "admin",
            &[
                RoleMapping { clinic_role: "Hospital Administrator".into(), desk_role: Role::Admin },
                RoleMapping { clinic_role: "System Administrator".into(), desk_role: Role::Admin },
                RoleMapping { clinic_role: "Doctor".into(), desk_role: Role::Reception },
            ],
        )
        .expect("save the map");
    let r = d.synced();
    assert!(r.pulled.full, "the whole list is fetched again for the new map");
    let staff = d.desk.with_store(|s| desk_core::staff::list(s.conn(), T0)).expect("staff");
    let of = |id: &str| staff.iter().find(|s| s.user_id == id).map(|s| (s.role, s.is_active));
    assert_eq!(of("+919845020004"), Some((Role::Reception, true)), "the doctor has an account now");
    assert_eq!(of("+919845020001").map(|s| s.1), Some(false), "the receptionist's account is disabled");
    assert_eq!(of("9845020003"), Some((Role::Reception, true)), "Receptionist + Doctor: still reception, through Doctor");
    assert!(d.desk.sign_in("+919845020001", "clinic-pass-1").is_err());
    // The doctor's hash is a plaintext leftover in the clinic: it never verifies.
    assert!(d.desk.sign_in("+919845020004", "clinic-pass-1").is_err());
}

#[test]
fn a_clinic_larger_than_a_page_comes_down_whole() {
    let clinic = clinic("many_pages");
    clinic.seed_patients(H1, "Page", 1234);
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let r = d.synced();
    assert_eq!(r.pulled.received, 18 + 1234, "every page of the first pull");
    assert!(1234 > desk_sync::pull::PAGE as u64, "more than one page");
    assert_eq!(d.desk.with_store(|s| desk_core::people::clinic::count(s.conn())).expect("count"), 18 + 1234);
}

#[test]
fn a_large_first_pull_rebuilds_the_search_index_once_and_search_finds_everyone() {
    let clinic = clinic("large_first_pull");
    // 1500 more patients of H1, as the clinic's own app writes them: enough for the pull to
    // pause the search index's row-by-row upkeep (people::search_index).
    clinic.seed_patients(H1, "Many", 1500);
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    // A walk-in typed before the first pull is found throughout.
    d.desk
        .add_person(
            "reception1",
            &desk_core::people::PersonInput {
                display_name: "Selvi Raman".into(),
                entity_type: None,
                phone: Some("+919845077777".into()),
                email: None,
                preferred_language: None,
            },
        )
        .expect("walk-in");
    let r = d.synced();
    assert_eq!(r.pulled.received, 1518, "H1's 18 fixture people and the 1500");
    let paused: bool = d.desk.with_store(|s| desk_core::people::search_index::is_paused(s.conn())).expect("read");
    assert!(!paused, "the pause ended with the pull");
    let names = |q: &str| -> Vec<String> { d.desk.search(q).expect("search").into_iter().map(|h| h.display_name).collect() };
    assert_eq!(names("Patient1234"), ["Many Patient1234"]);
    assert_eq!(names("many777@example"), ["Many Patient777"]);
    assert_eq!(names("Asha Rao").len(), 1, "a fixture person");
    assert_eq!(names("Selvi"), ["Selvi Raman"], "the walk-in");
    d.desk
        .with_store(|s| Ok(s.conn().execute("INSERT INTO users_fts (users_fts, rank) VALUES ('integrity-check', 1)", [])?))
        .expect("the search index matches the people");
    // A pull with a few changes keeps the triggers: the renamed person is found at once.
    clinic.sql("UPDATE patients SET personal_info = jsonb_build_object('first_name', 'Renamed', 'last_name', 'Patient42') WHERE patient_id = 'a9000000-0000-4000-8000-000000000042'");
    let again = d.synced();
    assert!(!again.pulled.full);
    assert_eq!(names("Renamed"), ["Renamed Patient42"]);
}
