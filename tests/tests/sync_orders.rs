//! Three desks, each offline for a while with overlapping people (and a number changed in the
//! clinic meanwhile), then pushed and pulled in all six orders: the clinic's records and every
//! desk's come out the same each time, with no event lost and none counted twice. Then random
//! interleavings of verifications and syncs against a model of the rule: the latest real
//! verification of the contact as the clinic holds it wins.

use std::collections::BTreeMap;

use desk_core::channel::Channel;
use desk_tests::pg::{ClinicDb, Pg, H1};
use desk_tests::sync_desk::SyncDesk;
use proptest::prelude::*;
use time::macros::datetime;
use time::Duration;

const T0: time::OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

/// (user, channel) → (verified_at, target), as the clinic's Flask code would read it.
type Clinic = BTreeMap<(String, String), (String, String)>;

fn clinic_state(c: &ClinicDb) -> Clinic {
    let rows = c.sql(
        "SELECT u.user_id || '|' || k || '|' || (v->>'verified_at') || '|' || (v->>'target')
         FROM users u, jsonb_each(CASE WHEN jsonb_typeof(u.verification_status) = 'object' THEN u.verification_status ELSE '{}' END) AS e(k, v)
         WHERE (v->>'verified')::boolean ORDER BY 1",
    );
    rows.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let p: Vec<&str> = l.split('|').collect();
            ((p[0].to_owned(), p[1].to_owned()), (p[2].to_owned(), p[3].to_owned()))
        })
        .collect()
}

/// Every event each desk made is in the clinic exactly once.
fn assert_every_event_once(c: &ClinicDb, desks: &[&SyncDesk]) {
    let mut made = 0i64;
    for d in desks {
        made += d
            .desk
            .with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM verification_events", [], |r| r.get::<_, i64>(0))?))
            .expect("count");
        assert_eq!(d.desk.sync_view().expect("view").status.events_waiting, 0, "a desk still has events waiting");
    }
    let (rows, ids): (i64, i64) = {
        let out = c.sql("SELECT count(*) || '|' || count(DISTINCT event_id) FROM desk_sync.desk_events");
        let (a, b) = out.split_once('|').expect("two counts");
        (a.parse().expect("n"), b.parse().expect("n"))
    };
    assert_eq!((rows, ids), (made, made), "every event once");
}

/// The offline work of the three desks, the same in every order.
fn offline_work(c: &ClinicDb, a: &SyncDesk, b: &SyncDesk, cc: &SyncDesk) {
    a.clock.advance(Duration::minutes(10));
    a.verify("+919845012345", Channel::EMAIL); // Asha's email at +10 …
    b.clock.advance(Duration::minutes(20));
    b.verify("+919845012345", Channel::EMAIL); // … and again at +20, elsewhere: this one wins
    a.clock.advance(Duration::minutes(2));
    a.verify("9845012346", Channel::SMS); // Ravi's phone at +12 wins over …
    cc.clock.advance(Duration::minutes(5));
    cc.verify("9845012346", Channel::SMS); // … the same at +5
    b.verify("+919845012347", Channel::EMAIL); // Meera's email, only at B
                                               // Jaya's number changes in the clinic while C verifies the old one: stale everywhere.
    cc.clock.advance(Duration::minutes(20));
    cc.verify("+919845012354", Channel::SMS);
    c.sql(
        "UPDATE patients SET contact_info = jsonb_set(contact_info, '{phone}', '\"+919845099998\"')
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '+919845012354')",
    );
}

#[test]
fn three_desks_in_all_six_orders_end_the_same() {
    let pg = Pg::session("six_orders");
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let mut outcomes: Vec<(Clinic, Vec<_>)> = Vec::new();
    for order in orders {
        let clinic = pg.clinic("six_orders");
        let desks =
            [SyncDesk::enrolled(&clinic, "a", H1, T0), SyncDesk::enrolled(&clinic, "b", H1, T0), SyncDesk::enrolled(&clinic, "c", H1, T0)];
        for d in &desks {
            d.synced();
        }
        offline_work(&clinic, &desks[0], &desks[1], &desks[2]);
        // Each back online in this order, twice round (the second pass brings everyone the rest).
        for _ in 0..2 {
            for &i in &order {
                desks[i].synced();
            }
        }
        assert_every_event_once(&clinic, &desks.iter().collect::<Vec<_>>());
        let state = clinic_state(&clinic);
        // The latest wins, the stale one never applies.
        assert_eq!(
            state.get(&("+919845012345".into(), "email".into())).map(|v| v.0.as_str()),
            Some("2026-11-24T04:50:00.000Z"),
            "{state:?}"
        );
        assert_eq!(state.get(&("9845012346".into(), "phone".into())).map(|v| v.0.as_str()), Some("2026-11-24T04:42:00.000Z"));
        assert!(state.contains_key(&("+919845012347".into(), "email".into())));
        assert!(!state.contains_key(&("+919845012354".into(), "phone".into())), "a stale target never applies");
        let seen: Vec<_> = desks.iter().map(SyncDesk::verified).collect();
        assert_eq!(seen[0], seen[1], "desks A and B differ in order {order:?}");
        assert_eq!(seen[0], seen[2], "desks A and C differ in order {order:?}");
        outcomes.push((state, seen[0].clone()));
    }
    for (i, o) in outcomes.iter().enumerate().skip(1) {
        assert_eq!(o.0, outcomes[0].0, "the clinic's records differ between order {:?} and {:?}", orders[0], orders[i]);
        assert_eq!(o.1, outcomes[0].1, "the desks differ between order {:?} and {:?}", orders[0], orders[i]);
    }
}

/// One step of a random interleaving.
#[derive(Debug, Clone)]
enum Step {
    Verify { desk: usize, person: usize, email: bool, minutes: i64 },
    Sync { desk: usize },
}

const PEOPLE: [&str; 3] = ["+919845012345", "9845012346", "+919845012355"];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, 0..3usize, any::<bool>(), 1..30i64).prop_map(|(desk, person, email, minutes)| Step::Verify { desk, person, email, minutes }),
        2 => (0..3usize).prop_map(|desk| Step::Sync { desk }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 0, .. ProptestConfig::default() })]

    #[test]
    fn random_interleavings_end_with_the_latest_verification_everywhere(steps in proptest::collection::vec(step(), 4..14)) {
        let pg = Pg::session("interleavings");
        let clinic = pg.clinic("interleave");
        // On the real clock: syncs come between verifications here, and each measures the offset.
        let desks = [
            SyncDesk::enrolled_live(&clinic, "a", H1),
            SyncDesk::enrolled_live(&clinic, "b", H1),
            SyncDesk::enrolled_live(&clinic, "c", H1),
        ];
        for d in &desks {
            d.synced();
        }
        // The model: for each (person, channel), the latest verification's time.
        let mut latest: BTreeMap<(String, String), String> = BTreeMap::new();
        // A desk sends one code per contact here: a second within the resend wait (10 s at
        // least, on these real clocks) would be refused, rightly.
        let mut done: std::collections::BTreeSet<(usize, usize, bool)> = Default::default();
        for s in &steps {
            match *s {
                Step::Verify { desk, person, email, minutes } => {
                    if !done.insert((desk, person, email)) {
                        continue;
                    }
                    let d = &desks[desk];
                    // Time passes (a little: these are real clocks).
                    std::thread::sleep(std::time::Duration::from_millis(minutes as u64));
                    let channel = if email { Channel::EMAIL } else { Channel::SMS };
                    d.verify(PEOPLE[person], channel);
                    let at = d.last_verified_at(PEOPLE[person], if email { "email" } else { "phone" });
                    let key = (PEOPLE[person].to_owned(), if email { "email" } else { "phone" }.to_owned());
                    let e = latest.entry(key).or_default();
                    if at > *e {
                        *e = at;
                    }
                }
                Step::Sync { desk } => {
                    desks[desk].synced();
                }
            }
        }
        for _ in 0..2 {
            for d in &desks {
                d.synced();
            }
        }
        assert_every_event_once(&clinic, &desks.iter().collect::<Vec<_>>());
        let state = clinic_state(&clinic);
        for (key, at) in &latest {
            prop_assert_eq!(state.get(key).map(|v| v.0.clone()), Some(at.clone()), "{:?}", key);
        }
        let seen: Vec<_> = desks.iter().map(SyncDesk::verified).collect();
        prop_assert_eq!(&seen[0], &seen[1]);
        prop_assert_eq!(&seen[0], &seen[2]);
    }
}
