//! Push: the desk's events after the clinic's acknowledgement, in contiguous batches, each one
//! call of `desk_sync.push` with the batch as arrays (the desk role has no table to COPY into).
//! The clinic inserts with `ON CONFLICT DO NOTHING` and advances the acknowledgement in the same
//! transaction, so a retry at any point is a no-op: a lost reply, a crash before the desk records
//! the acknowledgement, a connection cut mid-call.

use desk_core::events;
use futures_util::stream::{FuturesOrdered, StreamExt};
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
    // and already on the wire, so the server never waits for the desk between batches. Each
    // call is still its own transaction that starts where the previous one's acknowledgement
    // ends: if a call fails, the one behind it finds a gap (DS003) and changes nothing, and
    // everything the clinic did commit is acknowledged by the next round's hello.
    let statement = bounded(
        limit,
        "the push",
        clinic.client.prepare("SELECT acked_seq, inserted, fork_seq FROM desk_sync.push($1, $2, $3, $4, $5, $6)"),
    )
    .await?;
    let mut in_flight = FuturesOrdered::new();
    let mut read_up_to = acked;
    let mut drained = false;
    loop {
        while in_flight.len() < PIPELINE && !drained {
            let read_started = std::time::Instant::now();
            let batch = local.db.with(|s| events::for_push(s.conn(), journal, read_up_to, BATCH))?;
            let Some(last) = batch.last() else {
                drained = true;
                break;
            };
            let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
            let ids: Vec<Uuid> = batch
                .iter()
                .map(|e| Uuid::parse_str(&e.event_id).map_err(|_| SyncError::Server(format!("event {} has no valid id", e.seq))))
                .collect::<Result<_, _>>()?;
            let bodies: Vec<String> = batch.iter().map(|e| String::from_utf8_lossy(&e.body).into_owned()).collect();
            let hashes: Vec<Option<String>> = batch.iter().map(|e| e.hash.clone()).collect();
            let chain_hash = last.hash.clone();
            let last_seq = last.seq;
            read_up_to = last_seq;
            let sent = batch.len() as u64;
            report.local_time += read_started.elapsed();
            let client = &clinic.client;
            let statement = &statement;
            let device_id = &device_id;
            // Sent on its first poll, which comes with the wait for the call ahead of it.
            in_flight.push_back(async move {
                let row = client.query_one(statement, &[device_id, &seqs, &ids, &bodies, &hashes, &chain_hash]).await;
                (sent, last_seq, row)
            });
        }
        let call_started = std::time::Instant::now();
        // The bound runs from when the call ahead finished: each call has the whole limit.
        let Some((sent, last_seq, row)) = bounded(limit, "the push", async {
            match in_flight.next().await {
                Some((sent, last_seq, row)) => row.map(|r| Some((sent, last_seq, r))),
                None => Ok(None),
            }
        })
        .await
        .map_err(|e| match e {
            SyncError::Gap { .. } => SyncError::Gap { acked },
            other => other,
        })?
        else {
            break;
        };
        report.server_time += call_started.elapsed();
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
