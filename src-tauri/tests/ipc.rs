//! The shell's commands through Tauri's mock runtime: the real IPC path, the real ACL from
//! `capabilities/` and the build-time app manifest, no display.

mod common;

use common::{app_with, invoke, invoke_with, mock_keyring, signed_in_admin};
use desk_app::{AppPaths, Desk, ErrorCode, PublicError};
use desk_shell::command_list::{Access, COMMANDS};
use desk_shell::{configure, DeskState};
use tauri::test::mock_builder;
use tauri::WebviewWindowBuilder;

#[test]
fn app_status_reports_database_schema_and_keyring() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, window) = app_with(DeskState::ready(desk));

    let status = invoke(&window, "app_status").expect("app_status succeeds");
    assert_eq!(status["appName"], "Skinspire Verify Desk");
    assert_eq!(status["version"], desk_core::APP_VERSION);
    let db = status["databasePath"].as_str().expect("path");
    assert_eq!(db, tmp.path().join("desk.sqlite3").display().to_string());
    assert_eq!(status["migrationsOk"], true);
    assert_eq!(status["schemaVersion"], desk_core::store::latest_version());
    assert_eq!(status["keyring"]["state"], "ok");
}

#[test]
fn a_failed_start_reaches_the_ui_as_code_and_message() {
    let failed = PublicError { code: ErrorCode::DatabaseTooNew, message: "This desk's data was saved by a newer version.".into() };
    let (_app, window) = app_with(DeskState::failed(failed));
    let err = invoke(&window, "app_status").expect_err("must fail");
    assert_eq!(
        err,
        serde_json::json!({
            "code": "database_too_new",
            "message": "This desk's data was saved by a newer version."
        })
    );
}

#[test]
fn open_desk_turns_a_newer_database_into_a_start_up_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let paths = AppPaths::under(tmp.path());
    paths.ensure().expect("dirs");
    {
        let conn = rusqlite_conn(&paths.db_file);
        conn.pragma_update(None, "user_version", 99).expect("mark newer");
    }
    let state = desk_shell::open_desk(Ok(paths), mock_keyring());
    let err = state.desk().expect_err("refused");
    assert_eq!(err.code, ErrorCode::DatabaseTooNew);
}

fn rusqlite_conn(path: &std::path::Path) -> desk_core::store::RawConnection {
    desk_core::store::RawConnection::open(path).expect("raw sqlite")
}

#[test]
fn commands_outside_the_app_manifest_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, window) = app_with(DeskState::ready(desk));
    // Not a command of this app, and no plugin grants it.
    assert!(invoke(&window, "drop_all_tables").is_err());
    assert!(invoke(&window, "plugin:fs|read_file").is_err());
}

#[test]
fn a_window_without_the_capability_cannot_call_app_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let app = configure(mock_builder(), DeskState::ready(desk))
        .build(tauri::generate_context!("../tauri.conf.json", test = true))
        .expect("build mock app");
    // The capability grants app_status to the window labelled "main" only.
    let other = WebviewWindowBuilder::new(&app, "other", Default::default()).build().expect("other window");
    let err = invoke(&other, "app_status").expect_err("ACL must refuse");
    assert!(err.to_string().contains("not allowed"), "unexpected refusal: {err}");
}

#[test]
fn reception_is_refused_every_admin_command_over_ipc() {
    use serde_json::json;
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, w) = app_with(DeskState::ready(desk));

    let err = invoke_with(&w, "people_search", json!({"query": "priya"})).expect_err("signed out");
    assert_eq!(err["code"], "sign_in_required");
    signed_in_admin(&w);
    invoke_with(
        &w,
        "staff_add",
        json!({"input": {"userId": "latha.k", "displayName": "Latha K", "role": "reception", "password": "front-desk-2026"}}),
    )
    .expect("add reception");
    invoke_with(&w, "sign_out", json!({})).expect("sign out");
    let err = invoke_with(&w, "sign_in", json!({"userId": "latha.k", "password": "wrong-one"})).expect_err("wrong");
    assert_eq!(err["code"], "sign_in_failed");
    invoke_with(&w, "sign_in", json!({"userId": "latha.k", "password": "front-desk-2026"})).expect("reception signs in");

    // Well-formed arguments where a command takes some: the refusal must not depend on a
    // malformed call. The commands themselves come from the one command list.
    let examples = admin_examples();
    for (name, _) in &examples {
        assert!(COMMANDS.iter().any(|(n, a)| n == name && *a == Access::Admin), "{name} is not an admin command in command_list.rs");
    }
    let admin_commands: Vec<&str> = COMMANDS.iter().filter(|(_, a)| *a == Access::Admin).map(|(n, _)| *n).collect();
    assert!(admin_commands.len() >= 17, "{admin_commands:?}");
    for cmd in admin_commands {
        let args = examples.iter().find(|(n, _)| *n == cmd).map(|(_, a)| a.clone()).unwrap_or_else(|| json!({}));
        let err = invoke_with(&w, cmd, args).expect_err(cmd);
        assert_eq!(err["code"], "admin_only", "{cmd}: {err}");
        // Even a call with no arguments at all is refused for the role, not for its shape.
        let err = invoke_with(&w, cmd, json!({})).expect_err(cmd);
        assert_eq!(err["code"], "admin_only", "{cmd} without arguments: {err}");
    }
    // Reception work still goes on.
    invoke_with(&w, "people_search", json!({"query": "priya"})).expect("search");
    invoke_with(&w, "settings_get", json!({})).expect("settings are readable");
    // And the admin was not changed by any of it.
    invoke_with(&w, "sign_out", json!({})).expect("sign out");
    invoke_with(&w, "sign_in", json!({"userId": "asha.admin", "password": "admin-passphrase"})).expect("admin intact");
    let staff = invoke_with(&w, "staff_list", json!({})).expect("list");
    assert_eq!(staff.as_array().map(Vec::len), Some(2));
}

/// Well-formed arguments for the admin commands that take some.
fn admin_examples() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("sample_data_load", json!({})),
        ("settings_update", json!({"patch": {"otp_length": 8}})),
        ("credentials_save_gmail", json!({"input": {"address": "x@gmail.com", "appPassword": "abcdabcdabcdabcd"}})),
        (
            "credentials_save_twilio",
            json!({"input": {"accountSid": "AC0123456789abcdef0123456789abcdef", "authToken": "0123456789abcdef0123456789abcdef", "smsFrom": "+15005550006"}}),
        ),
        ("credentials_delete", json!({"provider": "gmail"})),
        ("credentials_test", json!({"provider": "gmail", "to": "x@gmail.com"})),
        ("templates_list", json!({"channel": "sms", "language": "en"})),
        ("template_save", json!({"channel": "sms", "language": "en", "part": "body", "body": "{{ code }}"})),
        ("template_reset", json!({"channel": "sms", "language": "en"})),
        ("template_preview", json!({"channel": "sms", "language": "en"})),
        ("staff_list", json!({})),
        ("staff_add", json!({"input": {"userId": "eve.x", "displayName": "Eve", "role": "admin", "password": "whatever-123"}})),
        ("staff_set_active", json!({"userId": "asha.admin", "active": false})),
        ("staff_set_role", json!({"userId": "latha.k", "role": "admin"})),
        ("staff_reset_password", json!({"userId": "asha.admin", "password": "taken-over-1"})),
        ("audit_search", json!({"filter": {}})),
        ("audit_export", json!({"filter": {}})),
        ("staff_unlock", json!({"userId": "latha.k"})),
    ]
}

#[test]
fn every_admin_command_leaves_an_event_naming_it() {
    use serde_json::json;
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (app, w) = app_with(DeskState::ready(desk));
    signed_in_admin(&w);
    invoke_with(
        &w,
        "staff_add",
        json!({"input": {"userId": "latha.k", "displayName": "Latha K", "role": "reception", "password": "front-desk-2026"}}),
    )
    .expect("add reception");
    // The shared examples, aimed at the reception account so the admin stays signed in.
    let mut examples = admin_examples();
    for (name, args) in &mut examples {
        if matches!(*name, "staff_set_active" | "staff_reset_password") {
            args["userId"] = json!("latha.k");
        }
    }
    // Every admin command in the one list, whatever it does with its arguments (some refuse
    // them: the record is of the command being run by this administrator).
    let admin_commands: Vec<&str> = COMMANDS.iter().filter(|(_, a)| *a == Access::Admin).map(|(n, _)| *n).collect();
    for cmd in &admin_commands {
        let args = examples.iter().find(|(n, _)| n == cmd).map(|(_, a)| a.clone()).unwrap_or_else(|| json!({}));
        let _ = invoke_with(&w, cmd, args);
    }
    use tauri::Manager;
    let desk = app.state::<DeskState>().desk().expect("desk");
    let recorded: Vec<(String, String)> = desk
        .with_store(|s| {
            let mut st = s.conn().prepare(
                "SELECT json_extract(detail, '$.command'), actor FROM verification_events WHERE kind = 'admin_command' ORDER BY seq",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .expect("events");
    for cmd in &admin_commands {
        assert!(recorded.iter().any(|(c, actor)| c == cmd && actor == "asha.admin"), "{cmd} left no event: {recorded:?}");
    }
    // Reception's refused attempts are not admin commands that ran: none is recorded for them.
    assert!(recorded.iter().all(|(_, actor)| actor == "asha.admin"));
}

#[test]
fn a_verification_runs_end_to_end_through_ipc_with_typed_errors() {
    use secrecy::ExposeSecret;
    use tauri::Manager;

    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (app, w) = app_with(DeskState::ready(desk));
    use serde_json::json;

    signed_in_admin(&w);
    assert_eq!(invoke_with(&w, "sample_data_load", json!({})).expect("load"), 34);
    let hits = invoke_with(&w, "people_search", json!({"query": "priya"})).expect("search");
    assert_eq!(hits[0]["displayName"], "Priya Sharma");
    assert_eq!(hits[0]["phoneStatus"]["state"], "notVerified");
    let id = hits[0]["userId"].as_str().expect("id").to_owned();

    let err = invoke_with(&w, "verification_start", json!({"userId": id, "channel": "sms", "consent": false})).expect_err("no consent");
    assert_eq!(err["code"], "consent_required");

    let started = invoke_with(&w, "verification_start", json!({"userId": id, "channel": "whatsapp", "consent": true})).expect("start");
    assert_eq!(started["targetMasked"], "+91 98••• ••345");
    assert_eq!(started["attemptsLeft"], 3);
    assert!(started.get("code").is_none(), "the code never crosses IPC: {started}");
    let text = started.to_string();

    // The code the patient would receive, from the outbox (the delivery worker's view).
    let desk = app.state::<DeskState>().desk().expect("desk");
    let outbox_id = started["outboxId"].as_i64().expect("outbox id");
    let code = desk
        .with_store(|s| desk_core::outbox::get(s.conn(), desk.engine().secrets(), outbox_id))
        .expect("read")
        .and_then(|m| m.code)
        .expect("code")
        .expose_secret()
        .to_owned();
    assert!(!text.contains(&code));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = invoke_with(&w, "verification_check", json!({"userId": id, "codeType": "phone", "code": wrong})).expect_err("wrong");
    assert_eq!(err, json!({"code": "wrong_code", "message": "Wrong code. 2 tries left."}));

    let ok = invoke_with(&w, "verification_check", json!({"userId": id, "codeType": "phone", "code": code})).expect("verified");
    // Nothing is set up on this desk (demo mode) and the code never left it: the right code is
    // practice, shown as such, and never recorded as a verification.
    assert_eq!(ok["verified"]["practice"], true);
    assert_eq!(ok["person"]["phoneStatus"]["state"], "practice");

    let events = invoke_with(&w, "person_events", json!({"userId": id})).expect("events");
    let kinds: Vec<_> = events.as_array().expect("list").iter().map(|e| e["kind"].clone()).collect();
    assert_eq!(kinds, [json!("practised"), json!("wrong_code"), json!("issued"), json!("person_added")]);
    assert_eq!(events[0]["outcome"], "practice");

    let err = invoke_with(&w, "person_add", json!({"input": {"displayName": "Walk In", "phone": "12345"}})).expect_err("bad phone");
    assert_eq!(err["code"], "invalid_contact");

    let err = invoke_with(&w, "settings_update", json!({"patch": {"otp_length": 12}})).expect_err("range");
    assert_eq!(err, json!({"code": "invalid_setting", "message": "Code length must be between 4 and 8."}));
    let settings = invoke_with(&w, "settings_update", json!({"patch": {"otp_expiry_minutes": 5}})).expect("ok");
    assert_eq!(settings["otp_expiry_minutes"], 5);
    assert_eq!(invoke_with(&w, "settings_get", json!({})).expect("get")["otp_expiry_minutes"], 5);

    let err = invoke_with(&w, "person_get", json!({"userId": "nobody"})).expect_err("missing");
    assert_eq!(err["code"], "person_not_found");
}

#[test]
fn credentials_go_in_over_ipc_and_never_come_back_out() {
    use serde_json::json;
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, w) = app_with(DeskState::ready(desk));
    signed_in_admin(&w);

    let password = "abcd efgh ijkl mnop";
    let token = "f00dfeedf00dfeedf00dfeedf00dfeed";
    let sid = "AC0123456789abcdef0123456789abcdef";
    let mut responses = Vec::new();
    let view = invoke_with(&w, "credentials_save_gmail", json!({"input": {"address": "clinic@gmail.com", "appPassword": password}}))
        .expect("save gmail");
    assert_eq!(view["gmailConfigured"], true);
    responses.push(view);
    let view = invoke_with(
        &w,
        "credentials_save_twilio",
        json!({"input": {
        "accountSid": sid, "authToken": token, "smsFrom": "+15005550006"}}),
    )
    .expect("save twilio");
    assert_eq!(view["twilioConfigured"], true);
    responses.push(view);
    for cmd in ["credentials_get", "delivery_health", "settings_get", "outbox_list", "demo_outbox", "session_current"] {
        responses.push(invoke_with(&w, cmd, json!({})).unwrap_or_else(|e| panic!("{cmd}: {e}")));
    }
    let all = serde_json::to_string(&responses).expect("json");
    for secret in ["abcdefghijklmnop", password, token, sid] {
        assert!(!all.contains(secret), "a secret crossed IPC");
    }
    // Bad input is refused with words, and nothing is half-saved.
    let err =
        invoke_with(&w, "credentials_save_twilio", json!({"input": {"accountSid": "AC123", "authToken": token}})).expect_err("bad sid");
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap_or("").contains("starts with AC"));

    // Changing only a sender keeps the saved SID and token (blank means "keep").
    let view = invoke_with(&w, "credentials_save_twilio", json!({"input": {"accountSid": "", "authToken": "", "smsFrom": "+15005550007"}}))
        .expect("sender only");
    assert_eq!((view["twilioConfigured"].clone(), view["smsFrom"].clone()), (json!(true), json!("+15005550007")));

    let view = invoke_with(&w, "credentials_delete", json!({"provider": "gmail"})).expect("delete");
    assert_eq!(view["gmailConfigured"], false);
    assert_eq!(view["twilioConfigured"], true);
}

#[test]
fn templates_can_be_read_previewed_edited_and_reset_over_ipc() {
    use serde_json::json;
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, w) = app_with(DeskState::ready(desk));
    signed_in_admin(&w);

    let list = invoke_with(&w, "templates_list", json!({"channel": "sms", "language": "ta"})).expect("list");
    assert_eq!(list[0]["isDefault"], true);
    let preview = invoke_with(&w, "template_preview", json!({"channel": "sms", "language": "ta"})).expect("preview");
    assert_eq!(preview["sms"]["encoding"], "UCS-2");
    assert!(preview["text"].as_str().unwrap_or("").contains("482913"));

    let draft = json!({"channel": "sms", "language": "en", "draft": {"part": "body", "body": "Your code is {{ code }}."}});
    let p = invoke_with(&w, "template_preview", draft).expect("draft preview");
    assert_eq!(p["sms"]["segments"], 1);

    let err =
        invoke_with(&w, "template_save", json!({"channel": "sms", "language": "en", "part": "body", "body": "Hello {{ person_name }}"}))
            .expect_err("no code");
    assert_eq!(err["code"], "invalid_template");
    let saved = invoke_with(
        &w,
        "template_save",
        json!({"channel": "sms", "language": "en", "part": "body",
        "body": "{{ code }} is your {{ clinic_name }} code."}),
    )
    .expect("save");
    assert_eq!(saved[0]["isDefault"], false);
    let reset = invoke_with(&w, "template_reset", json!({"channel": "sms", "language": "en"})).expect("reset");
    assert_eq!(reset[0]["isDefault"], true);
}
