//! Sync benchmarks (issue #10), each beside a baseline measured in the same run against the same
//! PostgreSQL 15 (the test session's, started by scripts/bench.sh) over the same TLS:
//! 1. push of 100k events through `desk_sync.push` against raw binary COPY and against
//!    `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING` of the same rows;
//! 2. push of 100k verifications with the merge into `users.verification_status`;
//! 3. re-pushing the same 100k (rows added: 0): the desk's push from seq 1, and every batch sent
//!    again;
//! 4. the first pull of 100k people, and a pull with nothing changed.
//!
//! Writes a Markdown section to `$DESK_BENCH_OUT`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::events::{self, EventKind, NewEvent, Outcome};
use desk_sync::client::{self, Target};
use desk_tests::pg::{seeded_patient, ClinicDb, Pg, H1};
use desk_tests::sync_desk::SyncDesk;
use time::macros::datetime;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

const N: usize = 100_000;
const T0: time::OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// `n` events on the desk: plain ones, or verifications of the bench people's emails.
fn make_events(d: &SyncDesk, n: usize, verifications: bool) {
    let now = desk_core::clock::Clock::now(&d.clock);
    d.desk
        .with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            for i in 1..=n {
                let (user, email) = seeded_patient("Bench", i);
                let ev = if verifications {
                    NewEvent {
                        user_id: &user,
                        code_type: Some(CodeType::Email),
                        kind: EventKind::Verified,
                        actor: "bench",
                        channel: Some(Channel::EMAIL),
                        target: Some(&email),
                        outcome: Outcome::Verified,
                        error_code: None,
                        detail: Some(serde_json::json!({"attempt": 1})),
                    }
                } else {
                    NewEvent::action(&user, EventKind::SignOut, "bench", Outcome::Done, Some(serde_json::json!({"n": i})))
                };
                events::append(&tx, &d.desk.engine().journal, now + time::Duration::milliseconds(i as i64), &ev)?;
            }
            tx.commit()?;
            Ok(())
        })
        .expect("events");
}

struct Rows {
    device: String,
    seqs: Vec<i64>,
    ids: Vec<uuid::Uuid>,
    bodies: Vec<String>,
    hashes: Vec<Option<String>>,
}

fn rows_of(d: &SyncDesk) -> Rows {
    let j = &d.desk.engine().journal;
    let pushed = d.desk.with_store(|s| events::for_push(s.conn(), j, 0, u32::MAX)).expect("events");
    Rows {
        device: j.device_id().to_owned(),
        seqs: pushed.iter().map(|e| e.seq).collect(),
        ids: pushed.iter().map(|e| uuid::Uuid::parse_str(&e.event_id).expect("uuid")).collect(),
        bodies: pushed.iter().map(|e| String::from_utf8_lossy(&e.body).into_owned()).collect(),
        hashes: pushed.iter().map(|e| e.hash.clone()).collect(),
    }
}

/// A loader role for the baselines: the same TLS connection as a desk, plain table rights.
fn loader(c: &ClinicDb) -> Target {
    let role = format!("bench_loader_{}", c.db.rsplit('_').next().unwrap_or("x"));
    c.sql(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD 'bench-loader-pw';
         CREATE TABLE public.bench_copy (LIKE desk_sync.desk_events INCLUDING ALL);
         CREATE TABLE public.bench_unnest (LIKE desk_sync.desk_events INCLUDING ALL);
         GRANT ALL ON public.bench_copy, public.bench_unnest TO {role};"
    ));
    Target {
        host: "127.0.0.1".into(),
        port: c.port,
        database: c.db.clone(),
        role,
        password: "bench-loader-pw".to_owned().into(),
        ca_file: c.ca.display().to_string(),
        timeout: Duration::from_secs(600),
    }
}

/// Where the desk connects, as its own role.
fn desk_target(d: &SyncDesk, c: &ClinicDb) -> Target {
    Target {
        host: "127.0.0.1".into(),
        port: c.port,
        database: c.db.clone(),
        role: d.role.clone(),
        password: d.password.clone().into(),
        ca_file: c.ca.display().to_string(),
        timeout: Duration::from_secs(600),
    }
}

/// The same rows, the columns the push fills, by binary COPY.
async fn copy_baseline(t: &Target, r: &Rows) -> Duration {
    let c = client::connect(t).await.expect("connect").into_client();
    let started = Instant::now();
    let sink = c
        .copy_in("COPY public.bench_copy (device_id, seq, event_id, occurred_at, clock_offset_ms, sort_at, user_id, code_type, kind, outcome, target, body, hash) FROM STDIN BINARY")
        .await
        .expect("copy");
    let types = [
        Type::TEXT,
        Type::INT8,
        Type::UUID,
        Type::TIMESTAMPTZ,
        Type::INT8,
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    tokio::pin!(writer);
    let at = std::time::SystemTime::now();
    for i in 0..r.seqs.len() {
        let v: serde_json::Value = serde_json::from_str(&r.bodies[i]).expect("body");
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        writer
            .as_mut()
            .write(&[
                &r.device,
                &r.seqs[i],
                &r.ids[i],
                &at,
                &0i64,
                &at,
                &s("user_id"),
                &s("code_type"),
                &s("kind"),
                &s("outcome"),
                &s("target"),
                &r.bodies[i],
                &r.hashes[i],
            ])
            .await
            .expect("row");
    }
    writer.finish().await.expect("finish");
    started.elapsed()
}

/// The same rows by one `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING`, fields read from the
/// bodies on the server as the push does (each body parsed once, as the push does now).
async fn unnest_baseline(t: &Target, r: &Rows) -> Duration {
    let c = client::connect(t).await.expect("connect").into_client();
    let started = Instant::now();
    c.execute(
        "WITH x AS MATERIALIZED (
             SELECT s, e, b, h, b::jsonb AS j FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::text[]) AS u(s, e, b, h))
         INSERT INTO public.bench_unnest (device_id, seq, event_id, occurred_at, clock_offset_ms, sort_at, user_id, code_type, kind, outcome, target, body, hash)
         SELECT $1, s, e, (j->>'occurred_at')::timestamptz, (j->>'clock_offset_ms')::bigint,
                (j->>'occurred_at')::timestamptz, j->>'user_id', j->>'code_type', j->>'kind',
                j->>'outcome', j->>'target', b, h
         FROM x
         ON CONFLICT DO NOTHING",
        &[&r.device, &r.seqs, &r.ids, &r.bodies, &r.hashes],
    )
    .await
    .expect("unnest insert");
    started.elapsed()
}

/// The desk's push, timed alone (connect and hello outside the timing).
async fn desk_push(d: &SyncDesk, c: &ClinicDb, from_scratch: bool) -> (Duration, desk_sync::push::PushReport) {
    let target = desk_target(d, c);
    let clinic = client::connect(&target).await.expect("connect");
    let hello = clinic.hello(d.desk.engine().journal.device_id(), 0).await.expect("hello");
    let ctx = d.desk.ctx();
    let local = desk_sync::Local { db: ctx.db.clone(), journal: ctx.journal.clone(), clock: ctx.clock.clone() };
    let (acked, head) = if from_scratch { (0, None) } else { (hello.acked_seq, hello.chain_hash.clone()) };
    let started = Instant::now();
    let r = desk_sync::push::push(&clinic, &local, acked, head.as_deref(), None).await.expect("push");
    (started.elapsed(), r)
}

/// Every batch of the same events sent again, as a desk that ignored the clinic's
/// acknowledgement would: each call checks its batch against what is stored and adds nothing.
/// (The desk's own push doesn't do this: the clinic's first answer says what it holds.)
async fn resend_every_batch(d: &SyncDesk, c: &ClinicDb, r: &Rows) -> (Duration, i64, usize) {
    let target = desk_target(d, c);
    let clinic = client::connect(&target).await.expect("connect").into_client();
    let push = clinic.prepare("SELECT inserted FROM desk_sync.push($1, $2, $3, $4, $5, $6)").await.expect("prepare");
    let batch = desk_sync::push::BATCH as usize;
    let (mut added, mut calls) = (0i64, 0usize);
    let started = Instant::now();
    for from in (0..r.seqs.len()).step_by(batch) {
        let to = (from + batch).min(r.seqs.len());
        let row = clinic
            .query_one(
                &push,
                &[&r.device, &&r.seqs[from..to], &&r.ids[from..to], &&r.bodies[from..to], &&r.hashes[from..to], &r.hashes[to - 1]],
            )
            .await
            .expect("push again");
        added += i64::from(row.get::<_, i32>(0));
        calls += 1;
    }
    (started.elapsed(), added, calls)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let pg = Pg::session("sync benchmark");
    let rt = rt();

    // 1. Plain events: the push against its baselines.
    let plain_db = pg.clinic("bench_plain");
    let plain = SyncDesk::enrolled(&plain_db, "plain", H1, T0);
    plain.synced();
    make_events(&plain, N, false);
    let rows = rows_of(&plain);
    let loader = loader(&plain_db);
    let copy = rt.block_on(copy_baseline(&loader, &rows));
    let unnest = rt.block_on(unnest_baseline(&loader, &rows));
    let (push, pushed) = rt.block_on(desk_push(&plain, &plain_db, false));
    assert!(pushed.inserted as usize >= N, "pushed {}", pushed.inserted);
    // 3. The same 100k again, from seq 1: nothing is added.
    let (repush, again) = rt.block_on(desk_push(&plain, &plain_db, true));
    let (repush_calls, again) = (again.calls, again.inserted);
    let (resend, resent_added, resend_calls) = rt.block_on(resend_every_batch(&plain, &plain_db, &rows));
    assert_eq!((again, resent_added), (0, 0), "pushing the same events again added rows");
    let rows_after: i64 = plain_db.sql("SELECT count(*) FROM desk_sync.desk_events").parse().expect("n");

    // 2 and 4. 100k people, pulled, then verified and pushed with the merge.
    let big = pg.clinic("bench_people");
    // 100k patients of H1 in the clinic, as the clinic's own app writes them.
    big.seed_patients(H1, "Bench", N);
    let d = SyncDesk::enrolled(&big, "big", H1, T0);
    let started = Instant::now();
    let first = d.synced();
    let first_pull = started.elapsed();
    assert!(first.pulled.received as usize >= N, "the first pull brought {} people", first.pulled.received);
    let raw_read = {
        let started = Instant::now();
        let n = big.sql("SELECT count(*) FROM (SELECT u.*, p.personal_info, p.contact_info FROM users u JOIN patients p ON p.patient_id = u.entity_id) x");
        assert!(n.parse::<usize>().expect("n") >= N);
        started.elapsed()
    };
    let mut idle = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let r = d.synced();
        assert_eq!(r.pulled.received, 0);
        idle.push(started.elapsed());
    }
    let idle = median(idle);
    let connect_only = {
        let target = desk_target(&d, &big);
        let mut v = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            rt.block_on(async {
                let c = client::connect(&target).await.expect("connect");
                c.client.simple_query("SELECT 1").await.expect("select");
            });
            v.push(started.elapsed());
        }
        median(v)
    };
    make_events(&d, N, true);
    let (merge, merged_report) = rt.block_on(desk_push(&d, &big, false));
    let merged = merged_report.inserted;
    let applied: i64 = big.sql("SELECT count(*) FROM desk_sync.desk_events WHERE applied = 'applied'").parse().expect("n");
    let verified: i64 =
        big.sql("SELECT count(*) FROM users WHERE (verification_status->'email'->>'verified')::boolean").parse().expect("n");

    let report = format!(
        "## Sync with the clinic's PostgreSQL (issue #10)\n\n\
         PostgreSQL 15 on this machine (the test session's server, `fsync=off`), over TLS with \
         SCRAM, as the desk connects. Each push figure is the time of the pushing alone; both \
         baselines load the same {N} rows (the same columns, bodies parsed on the server for \
         UNNEST) over the same kind of connection, into tables shaped like `desk_events`.\n\n\
         | figure | desk | baseline | ratio (baseline ÷ desk) | goal |\n\
         |---|---|---|---|---|\n\
         | push {N} events | {} | binary COPY {} | {:.2} | ≥ 0.25 |\n\
         | push {N} events | {} | `INSERT … SELECT unnest … ON CONFLICT` {} | {:.2} | ≥ 0.5 |\n\
         | push {N} verifications with the merge into `users` | {} ({merged} rows, {applied} applied, {verified} people verified) | | | ≤ 15 s |\n\
         | re-push the same {N} from seq 1 (the desk's acknowledgement lost) | {} ({repush_calls} calls: the first answer says what the clinic holds) | rows added: {again} | | 0 rows |\n\
         | every batch of the same {N} sent again ({resend_calls} calls) | {} | rows added: {resent_added} (events in the clinic: {rows_after}) | | 0 rows |\n\
         | first pull of {N} people (+18 fixture rows) | {} ({} people) | one plain SELECT of the same rows {} | | ≤ 10 s |\n\
         | pull with nothing changed (a whole round), median of 5 | {} | connect over TLS + `SELECT 1` {} | | ≤ 200 ms |\n\n\
         - **Push:** `desk_sync::push::push`: events read from the desk's store in batches of {}, \
         each one call of `desk_sync.push` (arrays), two calls on the wire at once (the next batch \
         is read while the clinic runs the current one); the function checks the batch (each body \
         read once, with `json_to_record`), \
         folds verifications into `users.verification_status` under the row lock, inserts the new \
         events (plainly when none of the batch is stored, else skipping what is, with `ON \
         CONFLICT (device_id, seq) DO NOTHING`), and advances the acknowledgement.\n\
         - **Pull:** a whole `Syncer::round` (connect, clock, hello, push of nothing, pull in \
         pages of {} applied in small local transactions).\n\
         - **Where the time goes** (measured in the same runs): the push of {N} events spent {} \
         reading them here (unsealing each contact, the canonical form; the clinic works on the \
         call ahead meanwhile) and {} waiting for the clinic's answers; with the merge, {} here \
         and {} waiting. The first pull spent {} \
         applying pages here and {} waiting for the clinic's rows.\n",
        secs(push),
        secs(copy),
        copy.as_secs_f64() / push.as_secs_f64(),
        secs(push),
        secs(unnest),
        unnest.as_secs_f64() / push.as_secs_f64(),
        secs(merge),
        secs(repush),
        secs(resend),
        secs(first_pull),
        first.pulled.received,
        secs(raw_read),
        ms(idle),
        ms(connect_only),
        desk_sync::push::BATCH,
        desk_sync::pull::PAGE,
        secs(pushed.local_time),
        secs(pushed.server_time),
        secs(merged_report.local_time),
        secs(merged_report.server_time),
        secs(first.pulled.apply_time),
        secs(first.pulled.server_time),
    );
    match std::env::var("DESK_BENCH_OUT") {
        Ok(path) => std::fs::write(path, report).expect("write report"),
        Err(_) => print!("{report}"),
    }
    let _ = Arc::new(());
}
