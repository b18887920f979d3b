//! The search index's upkeep (`users_fts`, and the pause in `search_index_pause`).
//!
//! Triggers keep the trigram index in step with `users` one row at a time, which costs about
//! 75 µs a person; rebuilding the whole index from `users` costs about 6 µs a person (both
//! measured on a first pull of 100k people on a 2-core machine: 7.5 s of triggers against a
//! 0.6 s rebuild). So a pull that brings many people at once pauses the triggers and rebuilds the
//! index when it ends. While paused, search still answers from the index as it was: people who
//! arrive, and names or contacts changed meanwhile, are found by their new text once the pull
//! ends. A pause left by a desk stopped mid-pull is ended when the desk opens again.

use rusqlite::Connection;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::error::Result;

/// A pull brings at least this many people before a pause is worth its rebuild at all.
pub const PAUSE_FROM: u64 = 1000;

/// Whether a pull of `incoming` people into a desk that has `present` people should pause the
/// triggers: a rebuild reads all of them, at about a twelfth of a trigger's cost each, so the
/// pause pays when the incoming are more than about a twelfth of the whole (an eighth, with
/// room for the figures to move).
pub fn worth_pausing(incoming: u64, present: u64) -> bool {
    incoming >= PAUSE_FROM && incoming.saturating_mul(8) >= present.saturating_add(incoming)
}

/// Stop the row-by-row upkeep until [`resume`].
pub fn pause(conn: &Connection, now: OffsetDateTime) -> Result<()> {
    conn.execute("INSERT OR IGNORE INTO search_index_pause (id, paused_at) VALUES (1, ?1)", [ts(now)])?;
    Ok(())
}

pub fn is_paused(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM search_index_pause)", [], |r| r.get(0))?)
}

/// End a pause: the index is rebuilt from `users` and the triggers take over again, in one
/// transaction (a desk stopped in between is paused still, and rebuilds at its next start).
/// `true` when there was a pause to end.
pub fn resume(conn: &Connection) -> Result<bool> {
    if !is_paused(conn)? {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    conn.execute_batch(
        "SAVEPOINT search_index_resume;
         INSERT INTO users_fts (users_fts) VALUES ('rebuild');
         DELETE FROM search_index_pause;
         RELEASE search_index_resume;",
    )?;
    tracing::info!(took_ms = started.elapsed().as_millis() as u64, "search index rebuilt after a pause");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::SeededRandom;
    use crate::events::Journal;
    use crate::people::{self, PersonInput};
    use crate::store::Store;
    use crate::test_support::temp_store_and_journal as store;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

    fn walk_in(s: &mut Store, j: &Journal, name: &str, phone: &str) -> String {
        let input =
            PersonInput { display_name: name.into(), entity_type: None, phone: Some(phone.into()), email: None, preferred_language: None };
        people::add(s.conn_mut(), j, &input, "reception1", NOW, &SeededRandom::new(name.len() as u64)).expect("add")
    }

    fn names(s: &Store, q: &str) -> Vec<String> {
        people::search(s.conn(), q, 20).expect("search").into_iter().map(|h| h.display_name).collect()
    }

    fn integrity(s: &Store) {
        s.conn()
            .execute("INSERT INTO users_fts (users_fts, rank) VALUES ('integrity-check', 1)", [])
            .expect("the index matches the users table");
    }

    #[test]
    fn people_added_or_renamed_while_paused_are_found_by_their_new_text_once_resumed() {
        let (_t, mut s, j) = store();
        walk_in(&mut s, &j, "Kavya Nair", "+919845011111");
        pause(s.conn(), NOW).expect("pause");
        assert!(is_paused(s.conn()).expect("read"));
        walk_in(&mut s, &j, "Arjun Menon", "+919845022222");
        s.conn().execute("UPDATE users SET display_name = 'Kavya Pillai' WHERE display_name = 'Kavya Nair'", []).expect("rename");
        // Paused: the index is as it was.
        assert!(names(&s, "Arjun").is_empty(), "not indexed yet");
        assert!(resume(s.conn()).expect("resume"));
        assert!(!is_paused(s.conn()).expect("read"));
        assert_eq!(names(&s, "Arjun"), ["Arjun Menon"]);
        assert_eq!(names(&s, "Pillai"), ["Kavya Pillai"]);
        assert!(names(&s, "Nair").is_empty(), "the old name is gone from the index");
        integrity(&s);
        // The triggers keep it up again.
        walk_in(&mut s, &j, "Farah Khan", "+919845033333");
        assert_eq!(names(&s, "Farah"), ["Farah Khan"]);
        integrity(&s);
    }

    #[test]
    fn resuming_without_a_pause_does_nothing_and_a_pause_is_ended_once() {
        let (_t, s, _j) = store();
        assert!(!resume(s.conn()).expect("resume"));
        pause(s.conn(), NOW).expect("pause");
        pause(s.conn(), NOW).expect("a second pause is the same pause");
        assert!(resume(s.conn()).expect("resume"));
        assert!(!resume(s.conn()).expect("resume"));
        integrity(&s);
    }

    #[test]
    fn a_pause_pays_only_for_a_pull_that_brings_many_people_at_once() {
        assert!(worth_pausing(100_000, 0), "a first pull of a large clinic");
        assert!(worth_pausing(20_000, 100_000), "a fifth more people");
        assert!(!worth_pausing(5_000, 100_000), "a few changed in a large desk: the triggers are cheaper");
        assert!(!worth_pausing(500, 0), "a small clinic's first pull");
        assert!(worth_pausing(u64::MAX, u64::MAX), "no overflow");
    }
}
