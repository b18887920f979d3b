//! A desk's data folder with a first administrator and N people, for the start-up benchmark
//! (scripts/bench-startup.sh): `cargo run --release -p desk-app --example seed_desk -- DIR N`.
//! The pepper is made in an in-memory keyring and not kept: the app makes its own on first start.

use std::sync::Arc;

use desk_app::{AppPaths, Desk, FirstAdmin};
use desk_core::clock::SystemClock;
use desk_core::codes::OsRandom;
use desk_core::secrets::Keyring;
use desk_core::staff::{NewStaff, Role};
use secrecy::SecretString;

#[path = "../benches/support/people.rs"]
mod people;

// A command-line tool: what it prints is for the person (or script) running it.
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: seed_desk DIR N");
        std::process::exit(2);
    };
    let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock keyring"), "mock");
    let desk = Desk::open_with(AppPaths::under(&dir), keyring, Arc::new(SystemClock::new()), Arc::new(OsRandom)).expect("open the desk");
    desk.create_first_admin(&FirstAdmin {
        clinic_name: "Skinspire Clinic".into(),
        admin: NewStaff {
            user_id: "bench.admin".into(),
            display_name: "Bench Admin".into(),
            role: Role::Admin,
            password: SecretString::from("bench-admin-pass"),
        },
    })
    .expect("first admin");
    desk.with_store(|s| Ok(people::seed_people(s.conn_mut(), n))).expect("people");
    println!("{dir}: an admin and {n} people");
}
