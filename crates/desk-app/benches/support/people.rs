//! Many people at once, for benchmarks: inserted directly (the search index kept by its
//! triggers), in one transaction. Shared by the engine benchmark and the start-up benchmark's
//! database (examples/seed_desk.rs).

use desk_core::store::RawConnection;
use rusqlite::params;

/// Insert `n` people directly (fast set-up, FTS kept by the triggers).
pub fn seed_people(conn: &mut RawConnection, n: usize) -> Vec<String> {
    const FIRST: &[&str] = &[
        "Priya", "Rahul", "Ananya", "Mohammed", "Lakshmi", "Sneha", "Arjun", "Kavya", "Vikram", "Deepa", "Suresh", "Fatima", "Karthik",
        "Meera", "Ravi", "Pooja", "Abdul", "Divya", "Naveen", "Shalini",
    ];
    const LAST: &[&str] = &[
        "Sharma",
        "Verma",
        "Iyer",
        "Irfan",
        "Narayanan",
        "Reddy",
        "Nair",
        "Gowda",
        "Singh",
        "Menon",
        "Kumar",
        "Begum",
        "Subramanian",
        "Joshi",
        "Teja",
        "Hegde",
        "Rahman",
        "Pillai",
        "Rao",
        "Gupta",
    ];
    const DOMAINS: &[&str] = &["gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com"];
    let tx = conn.transaction().expect("tx");
    let mut ids = Vec::with_capacity(n);
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO users (user_id, entity_type, entity_id, display_name, phone, email,
                     verification_status, created_at, updated_at)
                 VALUES (?1, 'patient', ?2, ?3, ?4, ?5, '{}', ?6, ?6)",
            )
            .expect("prepare");
        for i in 0..n {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            let phone = format!("+9198{:08}", 10_000_000 + i * 7 % 89_999_999);
            let email = format!("{}.{}{}@{}", first.to_lowercase(), last.to_lowercase(), i, DOMAINS[i % DOMAINS.len()]);
            let name = format!("{first} {last} {i}");
            stmt.execute(params![phone, format!("e{i}"), name, phone, email, "2026-01-01T00:00:00.000Z"]).expect("insert");
            ids.push(phone);
        }
    }
    tx.commit().expect("commit");
    ids
}
