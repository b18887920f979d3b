//! Push: the desk's events after the clinic's acknowledgement, in contiguous batches, each one
//! call of `desk_sync.push` with the batch as arrays (the desk role has no table to COPY into).
//! The clinic inserts with `ON CONFLICT DO NOTHING` and advances the acknowledgement in the same
//! transaction, so a retry at any point is a no-op: a lost reply, a crash before the desk records
//! the acknowledgement, a connection cut mid-call.

use std::collections::VecDeque;
use std::future::Future;

use desk_core::events;
use futures_util::future::maybe_done;
use uuid::Uuid;

use crate::client::{bounded, Clinic};
use crate::errors::SyncError;
use crate::state::{self, Local};

/// Events per call.
pub const BATCH: u32 = 1000;

/// Calls on the wire at once: the one the clinic runs and the next.
const PIPELINE: usize = 2;

/// Where a test can make a push fail on purpose (the fault tests; production passes none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// The clinic committed the batch, and the reply is lost before the desk reads it.
    AfterServerCommit,
    /// The desk read the acknowledgement and fails before recording it.
    BeforeLocalAck,
    /// The round pushed and is about to pull (a test types a correction here: the race of an
    /// edit during a round, made certain).
    BeforePull,
}

/// A test's failpoints; `Ok` lets the push go on.
pub trait Faults: Send + Sync {
    fn at(&self, point: FaultPoint) -> Result<(), SyncError>;
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    pub sent: u64,
    /// Calls the clinic answered.
    pub calls: u64,
    /// Rows the clinic didn't have before (a retry adds 0).
    pub inserted: u64,
    pub acked_seq: i64,
    /// Where the time went: reading the events here (unsealing, canonical form) and waiting
    /// for the clinic's calls (the benchmark reports both).
    pub local_time: std::time::Duration,
    pub server_time: std::time::Duration,
}

/// Push every event after `acked` (the clinic's acknowledgement, from `hello`).
#[tracing::instrument(skip_all, fields(acked))]
pub async fn push(
    clinic: &Clinic,
    local: &Local,
    mut acked: i64,
    clinic_head: Option<&str>,
    faults: Option<&dyn Faults>,
) -> Result<PushReport, SyncError> {
    let journal = &local.journal;
    let limit = clinic.timeout;
    let device_id = journal.device_id().to_owned();
    let mut report = PushReport { acked_seq: acked, ..PushReport::default() };
    // A desk whose newest event is older than what the clinic acknowledged was restored from a
    // backup: its next event would reuse a number the clinic has with other content.
    let last = local.db.with(|s| events::last_of(s.conn(), &device_id))?;
    if last.as_ref().map_or(0, |(seq, _)| *seq) < acked {
        let seq = last.map_or(1, |(seq, _)| seq + 1);
        let now = local.clock.now();
        local.db.with(|s| state::record_fork(s.conn(), seq, now))?;
        return Err(SyncError::Forked { seq });
    }
    // The clinic's last event from this device must be this desk's own event of that number:
    // its chain hash (the HMAC over the event) says so. A different one means this desk's
    // history was replaced after the clinic got it (a restored backup): pushing on would hang
    // new events onto someone else's chain.
    if let (Some(head), true) = (clinic_head, acked > 0) {
        let mine = local.db.with(|s| events::hash_at(s.conn(), &device_id, acked))?;
        if mine.as_deref() != Some(head) {
            let now = local.clock.now();
            local.db.with(|s| state::record_fork(s.conn(), acked, now))?;
            tracing::error!(seq = acked, "this desk's event at the clinic's acknowledgement is not the one the clinic holds");
            return Err(SyncError::Forked { seq: acked });
        }
    }
    // The histories agree: what the clinic has is acknowledged here too (a reply lost earlier).
    {
        let now = local.clock.now();
        local.db.with(|s| state::record_ack(s.conn(), acked, now))?;
    }
    // The first push of a desk started anew after a fork: its old series' verifications that
    // the clinic may lack go into this series first (each says where it came from).
    let carry = local.db.with(|s| state::carry(s.conn()))?;
    if let Some((old, after)) = carry {
        let now = local.clock.now();
        let n = local.db.with(|s| {
            let tx = s.conn_mut().transaction()?;
            let n = events::carry_over(&tx, journal, &old, after, now)?;
            state::carried(&tx)?;
            tx.commit()?;
            Ok(n)
        })?;
        tracing::info!(carried = n, "verifications of the old device carried into the new one");
    }
    // The calls are pipelined two deep: while the clinic runs one batch, the next is read here
    // and queued behind it (sent as soon as the desk waits), so the clinic doesn't wait for the
    // desk between batches. Each call is still its own transaction that starts where the acknowledgement
    // ends: a call the clinic refuses or rolls back leaves the one behind it a gap (DS003) that
    // changes nothing. When the desk stops after the clinic committed (a lost answer, a
    // timeout, a local error), the call behind may commit too; that is as safe, since the
    // clinic checks each call against its own acknowledgement, and the next round's hello
    // acknowledges it here.
    let read_started = std::time::Instant::now();
    let Some(first) = read_batch(local, acked)? else {
        return Ok(report);
    };
    report.local_time += read_started.elapsed();
    // Prepared once per round, and only when there is something to push.
    let statement = bounded(
        limit,
        "the push",
        clinic.client.prepare("SELECT acked_seq, inserted, fork_seq FROM desk_sync.push($1, $2, $3, $4, $5, $6)"),
    )
    .await?;
    let mut next = Some(first);
    let mut in_flight = VecDeque::new();
    let mut read_up_to = acked;
    let mut drained = false;
    loop {
        while in_flight.len() < PIPELINE && !drained {
            let batch = match next.take() {
                Some(b) => Some(b),
                None => {
                    let read_started = std::time::Instant::now();
                    let b = read_batch(local, read_up_to)?;
                    report.local_time += read_started.elapsed();
                    b
                }
            };
            let Some(batch) = batch else {
                drained = true;
                break;
            };
            read_up_to = batch.last_seq;
            let mut call = Box::pin(maybe_done(send(&clinic.client, &statement, &device_id, batch)));
            // tokio-postgres queues a query for the wire on its first poll: polled here, each
            // call is queued behind the one ahead at once, whatever is waited for next.
            std::future::poll_fn(|cx| {
                let _ = call.as_mut().poll(cx);
                std::task::Poll::Ready(())
            })
            .await;
            in_flight.push_back(call);
        }
        let Some(mut call) = in_flight.pop_front() else { break };
        let waited = std::time::Instant::now();
        // The bound runs from when the desk starts waiting for this call.
        bounded(limit, "the push", async {
            call.as_mut().await;
            Ok::<(), tokio_postgres::Error>(())
        })
        .await?;
        let Some((sent, last_seq, row)) = call.as_mut().take_output() else {
            return Err(SyncError::Server("a push call ended without an answer".into()));
        };
        let row = row.map_err(|e| match SyncError::from_pg(e) {
            SyncError::Gap { .. } => SyncError::Gap { acked },
            other => other,
        })?;
        report.server_time += waited.elapsed();
        if let Some(f) = faults {
            f.at(FaultPoint::AfterServerCommit)?;
        }
        let server_acked: i64 = row.get(0);
        let inserted: i32 = row.get(1);
        let fork_seq: Option<i64> = row.get(2);
        if let Some(seq) = fork_seq {
            let now = local.clock.now();
            local.db.with(|s| state::record_fork(s.conn(), seq, now))?;
            tracing::error!(seq, "the clinic holds other events under this device's numbers: stopped (a restored backup?)");
            return Err(SyncError::Forked { seq });
        }
        if let Some(f) = faults {
            f.at(FaultPoint::BeforeLocalAck)?;
        }
        let now = local.clock.now();
        local.db.with(|s| state::record_ack(s.conn(), server_acked, now))?;
        report.sent += sent;
        report.calls += 1;
        report.inserted += inserted.max(0) as u64;
        report.acked_seq = server_acked;
        if server_acked < last_seq {
            // The clinic didn't take the batch: never loop on it.
            return Err(SyncError::Server(format!("the clinic acknowledged {server_acked} after a batch up to {last_seq}")));
        }
        acked = server_acked;
        // The clinic may hold more than this desk sent (a push of an earlier run that committed
        // after this round's hello): the next batch starts after what it holds.
        read_up_to = read_up_to.max(acked);
    }
    Ok(report)
}

/// One batch as a push call sends it.
struct Batch {
    seqs: Vec<i64>,
    ids: Vec<Uuid>,
    bodies: Vec<String>,
    hashes: Vec<Option<String>>,
    chain_hash: Option<String>,
    last_seq: i64,
}

/// The next batch after `after`, or none when everything is pushed.
fn read_batch(local: &Local, after: i64) -> Result<Option<Batch>, SyncError> {
    let journal = &local.journal;
    let batch = local.db.with(|s| events::for_push(s.conn(), journal, after, BATCH))?;
    let Some(last) = batch.last() else { return Ok(None) };
    let ids = batch
        .iter()
        .map(|e| Uuid::parse_str(&e.event_id).map_err(|_| SyncError::Server(format!("event {} has no valid id", e.seq))))
        .collect::<Result<_, _>>()?;
    Ok(Some(Batch {
        seqs: batch.iter().map(|e| e.seq).collect(),
        ids,
        bodies: batch.iter().map(|e| String::from_utf8_lossy(&e.body).into_owned()).collect(),
        hashes: batch.iter().map(|e| e.hash.clone()).collect(),
        chain_hash: last.hash.clone(),
        last_seq: last.seq,
    }))
}

/// One call of `desk_sync.push`: how many events it carried, its last seq, the clinic's answer.
async fn send(
    client: &tokio_postgres::Client,
    statement: &tokio_postgres::Statement,
    device_id: &str,
    b: Batch,
) -> (u64, i64, Result<tokio_postgres::Row, tokio_postgres::Error>) {
    let row = client.query_one(statement, &[&device_id, &b.seqs, &b.ids, &b.bodies, &b.hashes, &b.chain_hash]).await;
    (b.seqs.len() as u64, b.last_seq, row)
}
