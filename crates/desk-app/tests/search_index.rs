//! A desk stopped in the middle of a large pull (the search index's upkeep paused,
//! `people::search_index`) rebuilds the index when it opens again: nobody is missing from search.

mod common;

use common::desk;
use desk_core::people::search_index;

#[test]
fn a_pause_left_by_a_desk_stopped_mid_pull_ends_when_the_desk_opens_again() {
    let t = desk();
    t.add("Kavya Nair", "+919845011111", "kavya@example.in");
    t.desk.with_store(|s| search_index::pause(s.conn(), time::OffsetDateTime::now_utc())).expect("pause, as a large pull does");
    // Arrived while paused, and the desk stops before the pull ends.
    t.add("Arjun Menon", "+919845022222", "");
    assert!(t.desk.search("Arjun").expect("search").is_empty(), "paused: not in the index yet");
    let t = t.reopen();
    assert!(!t.desk.with_store(|s| search_index::is_paused(s.conn())).expect("read"), "the pause ended at the start");
    assert_eq!(t.desk.search("Arjun").expect("search").len(), 1);
    assert_eq!(t.desk.search("Kavya").expect("search").len(), 1);
}
