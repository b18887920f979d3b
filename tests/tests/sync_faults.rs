//! Sync when things break: a failure after the clinic's insert, a reply lost after the clinic's
//! COMMIT, a crash after the acknowledgement before the desk records it, the desk killed
//! mid-push, the server stopped with `pg_ctl stop -m immediate` mid-push, and a network that
//! refuses, resets, swallows or delays. Each ends with exactly one copy of every event in the
//! clinic and one effect per verification, and sync picks up again by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use desk_core::channel::Channel;
use desk_core::events::{self, EventKind, NewEvent, Outcome};
use desk_sync::push::{FaultPoint, Faults};
use desk_sync::SyncError;
use desk_tests::pg::{ClinicDb, Pg, H1};
use desk_tests::proxy::{Mode, Proxy};
use desk_tests::sync_desk::{input_for, SyncDesk};
use time::macros::datetime;

const T0: time::OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

/// The clinic holds every event of the desk exactly once.
fn assert_once(clinic: &ClinicDb, d: &SyncDesk) {
    let made: i64 =
        d.desk.with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM verification_events", [], |r| r.get(0))?)).expect("count");
    let out = clinic.sql("SELECT count(*) || '|' || count(DISTINCT event_id) FROM desk_sync.desk_events");
    assert_eq!(out, format!("{made}|{made}"), "every event once (made here: {made})");
}

/// Many plain events (sign-in-like actions), fast: a push that takes a while.
fn many_events(d: &SyncDesk, n: usize) {
    let now = desk_core::clock::Clock::now(&d.clock);
    d.desk
        .with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            for i in 0..n {
                let detail = serde_json::json!({"n": i});
                events::append(
                    &tx,
                    &d.desk.engine().journal,
                    now,
                    &NewEvent::action("load", EventKind::SignOut, "load", Outcome::Done, Some(detail)),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .expect("events");
}

/// A failpoint in the clinic: the `nth` insert into desk_events from now on (counted by the
/// sequence `public.failpoint`) fails after inserting, with `words`, before the push commits.
fn fail_insert(clinic: &ClinicDb, nth: u32, words: &str) {
    clinic.sql(&format!(
        "CREATE SEQUENCE public.failpoint;
         CREATE FUNCTION public.fail_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
         BEGIN IF nextval('public.failpoint') = {nth} THEN RAISE EXCEPTION '{words}'; END IF; RETURN NULL; END $$;
         CREATE TRIGGER failpoint AFTER INSERT ON desk_sync.desk_events FOR EACH STATEMENT EXECUTE FUNCTION public.fail_insert();"
    ));
}

struct Once(FaultPoint, std::sync::atomic::AtomicBool);

impl Faults for Once {
    fn at(&self, point: FaultPoint) -> Result<(), SyncError> {
        if point == self.0 && !self.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(SyncError::Unreachable(format!("failpoint {point:?}")));
        }
        Ok(())
    }
}

#[test]
fn a_failure_at_any_step_of_a_push_ends_with_one_effect_per_event() {
    let pg = Pg::session("failpoints");
    let clinic = pg.clinic("failpoints");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();

    // 1. After the clinic's insert, before its commit: the whole batch rolls back.
    fail_insert(&clinic, 1, "failpoint after the insert");
    d.clock.advance(time::Duration::minutes(1));
    d.verify("+919845012345", Channel::EMAIL);
    let before = clinic.sql("SELECT count(*) FROM desk_sync.desk_events");
    let err = d.sync().expect_err("the failpoint fires");
    assert!(err.to_string().contains("failpoint after the insert"), "{err}");
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events"), before, "rolled back");
    d.synced();
    assert_once(&clinic, &d);

    // 2. The clinic committed; the reply is lost before the desk reads it.
    d.verify("9845012346", Channel::EMAIL);
    d.desk.syncer().set_faults(Some(Arc::new(Once(FaultPoint::AfterServerCommit, false.into()))));
    assert!(d.sync().is_err());
    assert!(d.desk.sync_view().expect("view").status.events_waiting > 0, "the desk doesn't know the clinic has them");
    let r = d.synced();
    assert_eq!(r.pushed.inserted, 0, "the retry adds nothing: the clinic had them");
    assert_once(&clinic, &d);

    // 3. The desk read the acknowledgement and fails before recording it.
    d.verify("+919845012347", Channel::EMAIL);
    d.desk.syncer().set_faults(Some(Arc::new(Once(FaultPoint::BeforeLocalAck, false.into()))));
    assert!(d.sync().is_err());
    d.synced();
    assert_once(&clinic, &d);
    d.desk.syncer().set_faults(None);

    // One effect each: three verifications applied, none twice.
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events WHERE applied = 'applied'"), "3");
    for id in ["+919845012345", "9845012346", "+919845012347"] {
        assert_eq!(clinic.status_of(id)["email"]["verified"], true, "{id}");
    }
}

/// The push keeps two calls on the wire: when one fails, the one already sent behind it must
/// change nothing (it starts after an acknowledgement that did not move: a gap).
#[test]
fn a_failed_call_with_another_behind_it_ends_with_one_effect_per_event() {
    let pg = Pg::session("pipelined failure");
    let clinic = pg.clinic("pipelined");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    let before: i64 = clinic.sql("SELECT count(*) FROM desk_sync.desk_events").parse().expect("n");
    // Four batches; the second call's insert fails (the first and the third are on the wire).
    many_events(&d, 3 * desk_sync::push::BATCH as usize + 500);
    fail_insert(&clinic, 2, "failpoint in the second call");
    let err = d.sync().expect_err("the failpoint fires");
    assert!(
        err.to_string().contains("failpoint in the second call"),
        "the failing call's own error is shown, not the gap behind it: {err}"
    );
    let batch = i64::from(desk_sync::push::BATCH);
    assert_eq!(
        clinic.sql("SELECT count(*) FROM desk_sync.desk_events").parse::<i64>().expect("n"),
        before + batch,
        "the first batch only: the second rolled back, the third refused"
    );
    let acked: i64 = clinic.sql("SELECT acked_seq FROM desk_sync.devices").parse().expect("acked");
    assert_eq!(
        clinic.sql("SELECT max(seq) FROM desk_sync.desk_events").parse::<i64>().expect("max"),
        acked,
        "the acknowledgement is where the stored events end"
    );
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.desk_events").parse::<i64>().expect("n"), acked, "no hole below it");
    // Two inserts ran, the second failed; the third call, already on the wire behind it, was
    // refused at its gap, before any insert (the server's log has its words).
    assert_eq!(clinic.sql("SELECT last_value FROM public.failpoint"), "2", "the call behind the failed one inserted nothing");
    let gap = format!(
        "a gap: the batch of device {} starts at seq {} but the clinic has up to seq {}",
        d.desk.engine().journal.device_id(),
        acked + batch + 1,
        acked
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pg.log().contains(&gap) {
        assert!(Instant::now() < deadline, "the third call was not sent behind the second (no \"{gap}\" in the server's log)");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = d.synced();
    // The rest (and the few events the rounds themselves made), each once.
    assert!(r.pushed.inserted >= 2 * batch as u64 + 500, "the rest: {}", r.pushed.inserted);
    assert_once(&clinic, &d);
}

#[test]
fn a_desk_killed_mid_push_resumes_with_nothing_lost_or_doubled() {
    let pg = Pg::session("sigkill");
    let clinic = pg.clinic("sigkill");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    many_events(&d, 30_000);
    let dir = d.dir.path().to_path_buf();
    let password = d.password.clone();
    // The desk closes; a desk process on the same folder pushes, and is killed mid-way.
    let SyncDesk { desk, clock, dir: tmp, keyring, role, password: pw, live } = d;
    drop(desk);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_desk-sync-child"))
        .arg(&dir)
        .env("DESK_SYNC_CHILD_PASSWORD", &password)
        .spawn()
        .expect("start the desk process");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n: i64 = clinic.sql("SELECT count(*) FROM desk_sync.desk_events").parse().unwrap_or(0);
        if n > 2_000 {
            break;
        }
        assert!(Instant::now() < deadline, "the push never got going");
        assert!(child.try_wait().expect("child").is_none(), "the desk process ended before it was killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let part: i64 = clinic.sql("SELECT count(*) FROM desk_sync.desk_events").parse().expect("n");
    assert!(part < 30_000, "killed mid-push ({part} of 30,000+ arrived)");
    let d = SyncDesk { desk: reopen(&tmp, &keyring, &clock), clock, dir: tmp, keyring, role, password: pw, live };
    d.synced();
    assert_once(&clinic, &d);
}

fn reopen(dir: &tempfile::TempDir, keyring: &desk_core::secrets::Keyring, clock: &desk_core::clock::ManualClock) -> desk_app::Desk {
    desk_app::Desk::open_with_providers(
        desk_app::AppPaths::under(dir.path()),
        keyring.clone(),
        Arc::new(clock.clone()),
        Arc::new(desk_core::codes::SeededRandom::new(5)),
        desk_tests::sync_desk::carriers(),
    )
    .expect("reopen")
}

#[test]
fn the_server_stopped_immediately_mid_push_is_caught_up_when_it_returns() {
    let pg = Pg::private("pg_stop");
    let clinic = pg.clinic("pg_stop");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    many_events(&d, 30_000);
    std::thread::scope(|s| {
        let push = s.spawn(|| d.sync());
        let deadline = Instant::now() + Duration::from_secs(60);
        while clinic.try_sql("SELECT count(*) FROM desk_sync.desk_events").ok().and_then(|n| n.parse::<i64>().ok()).unwrap_or(0) < 2_000 {
            assert!(Instant::now() < deadline, "the push never got going");
            std::thread::sleep(Duration::from_millis(20));
        }
        pg.stop("immediate");
        let err = push.join().expect("push thread").expect_err("the server went away mid-push");
        assert!(matches!(err, SyncError::Unreachable(_) | SyncError::Server(_)), "{err}");
    });
    let view = d.desk.sync_view().expect("view");
    assert!(view.status.events_waiting > 0);
    assert!(view.summary.as_deref().unwrap_or_default().contains("events waiting"), "{:?}", view.summary);
    pg.restart();
    d.synced();
    assert_once(&clinic, &d);
}

#[test]
fn a_network_that_refuses_resets_swallows_or_delays_loses_nothing_and_sync_resumes_by_itself() {
    let pg = Pg::session("network");
    let clinic = pg.clinic("network");
    let proxy = Proxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], pg.port)));
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let mut via = input_for(&clinic, &d.role, Some(&d.password));
    via.port = proxy.port();
    d.desk.sync_save("admin", &via).expect("through the proxy");
    d.desk.syncer().set_call_timeout(Duration::from_secs(2));
    d.synced();

    for mode in [Mode::Refuse, Mode::Reset, Mode::Blackhole] {
        proxy.set(mode);
        d.clock.advance(time::Duration::minutes(1));
        d.verify("+919845012345", Channel::EMAIL);
        let started = Instant::now();
        let err = d.sync().expect_err("no clinic");
        assert!(matches!(err, SyncError::Unreachable(_)), "{mode:?}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{mode:?}: sync waited {:?}", started.elapsed());
        let view = d.desk.sync_view().expect("view");
        let line = view.summary.unwrap_or_default();
        assert!(line.starts_with("Clinic server unreachable since") && line.contains("events waiting"), "{mode:?}: {line}");
    }
    // Slow but working (each round trip 200 ms late: give the calls time).
    proxy.set(Mode::Delay);
    d.desk.syncer().set_call_timeout(Duration::from_secs(20));
    d.synced();
    assert_once(&clinic, &d);

    d.desk.syncer().set_call_timeout(Duration::from_secs(2));
    // Down again; the desk's own loop keeps trying and catches up when the network returns.
    proxy.set(Mode::Refuse);
    d.verify("9845012346", Channel::EMAIL);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    rt.spawn(d.desk.syncer().clone().run());
    std::thread::sleep(Duration::from_secs(2));
    assert!(d.desk.sync_view().expect("view").status.last_error.is_some(), "the loop tried and failed");
    proxy.set(Mode::Pass);
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.desk.sync_view().expect("view").status.events_waiting > 0 {
        assert!(Instant::now() < deadline, "sync didn't resume by itself");
        std::thread::sleep(Duration::from_millis(250));
    }
    d.desk.syncer().stop();
    assert_once(&clinic, &d);
    assert_eq!(clinic.status_of("9845012346")["email"]["verified"], true);
}
