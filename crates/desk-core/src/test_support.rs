//! What the unit tests of several modules share (test builds only): a store in a temporary
//! folder, and the journal of a desk with a fixed pepper and seeded randomness.

use std::sync::Arc;

use crate::codes::{CodeSecrets, SeededRandom};
use crate::events::Journal;
use crate::store::Store;

/// A new store, migrated, in a folder that goes when the returned guard is dropped.
pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let s = Store::open(&tmp.path().join("d.sqlite3")).expect("open");
    (tmp, s)
}

/// A new store and the journal of device `desk-1` (pepper `[3; 32]`, randomness seeded with 1).
pub(crate) fn temp_store_and_journal() -> (tempfile::TempDir, Store, Journal) {
    let (tmp, s) = temp_store();
    let j = Journal::new("desk-1".into(), Arc::new(CodeSecrets::from_pepper([3; 32], true)), Arc::new(SeededRandom::new(1)));
    (tmp, s, j)
}
