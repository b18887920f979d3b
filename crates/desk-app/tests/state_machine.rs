//! Property tests of the verification state machine. Random sequences of sends, right and wrong
//! codes, typos and clock jumps, run against the real engine and store, checked against a model:
//! - never verified without the right code;
//! - never more tries than allowed on one code;
//! - never verified after expiry;
//! - every state change writes exactly one event, and refusals change nothing.

mod common;

use desk_core::error::CodeError;
use std::collections::HashMap;

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::Error;
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone)]
enum Op {
    Send { person: usize, channel: Channel },
    CheckRight { person: usize, code_type: CodeType },
    CheckWrong { person: usize, code_type: CodeType },
    Typo { person: usize, code_type: CodeType },
    Wait { seconds: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    let person = 0usize..3;
    let channel = prop_oneof![Just(Channel::WHATSAPP), Just(Channel::SMS), Just(Channel::EMAIL)];
    let code_type = prop_oneof![Just(CodeType::Phone), Just(CodeType::Email)];
    prop_oneof![
        3 => (person.clone(), channel).prop_map(|(person, channel)| Op::Send { person, channel }),
        3 => (person.clone(), code_type.clone()).prop_map(|(person, code_type)| Op::CheckRight { person, code_type }),
        3 => (person.clone(), code_type.clone()).prop_map(|(person, code_type)| Op::CheckWrong { person, code_type }),
        1 => (person, code_type).prop_map(|(person, code_type)| Op::Typo { person, code_type }),
        2 => prop_oneof![1i64..40, 60i64..700].prop_map(|seconds| Op::Wait { seconds }),
    ]
}

/// What the model knows about a live code.
#[derive(Debug, Clone)]
struct LiveCode {
    code: String,
    expires_at: OffsetDateTime,
    wrong: u32,
    dead: bool,
}

fn event_count(t: &common::TestDesk) -> i64 {
    t.desk.with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM verification_events", [], |r| r.get(0))?)).expect("count")
}

/// The stored truth: the clinic-shaped `verification_status` JSON.
fn practice(t: &common::TestDesk, id: &str, ct: CodeType) -> bool {
    let v: serde_json::Value = t
        .desk
        .with_store(|s| {
            Ok(s.conn().query_row("SELECT verification_status FROM users WHERE user_id = ?1", [id], |r| r.get::<_, String>(0))?)
        })
        .map(|raw| serde_json::from_str(&raw).unwrap_or_default())
        .expect("status");
    v[ct.as_str()]["practice"].as_bool().unwrap_or(false)
}

fn verified(t: &common::TestDesk, id: &str, ct: CodeType) -> bool {
    let raw: String = t
        .desk
        .with_store(|s| Ok(s.conn().query_row("SELECT verification_status FROM users WHERE user_id = ?1", [id], |r| r.get(0))?))
        .expect("status");
    let v: serde_json::Value = serde_json::from_str(&raw).expect("json");
    v[ct.as_str()]["verified"].as_bool().unwrap_or(false)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_keeps_its_promises(ops in proptest::collection::vec(op(), 1..40)) {
        let t = common::desk();
        let ids: Vec<String> = vec![
            t.add("Asha", "98450 11111", "asha@gmail.com"),
            t.add("Bala", "98450 22222", "bala@gmail.com"),
            t.add("Chitra", "98450 33333", "chitra@gmail.com"),
        ];
        let max_attempts = 3u32;
        let mut live: HashMap<(usize, CodeType), LiveCode> = HashMap::new();
        let is_verified: HashMap<(usize, CodeType), bool> = HashMap::new();
        let mut practised: HashMap<(usize, CodeType), bool> = HashMap::new();

        for op in ops {
            let before = event_count(&t);
            let now = t.clock_now();
            match op {
                Op::Wait { seconds } => {
                    t.clock.advance(Duration::seconds(seconds));
                    prop_assert_eq!(event_count(&t), before, "waiting writes nothing");
                }
                Op::Send { person, channel } => {
                    let ct = channel.code_type();
                    match t.desk.start_verification("r", &ids[person], channel, true) {
                        Ok(started) => {
                            prop_assert_eq!(event_count(&t), before + 1, "issued: one event");
                            let code = t.code_in(started.outbox_id);
                            live.insert((person, ct), LiveCode {
                                code,
                                expires_at: now + Duration::minutes(10),
                                wrong: 0,
                                dead: false,
                            });
                        }
                        Err(Error::RateLimited { .. }) => {
                            // An audited refusal: one event, and the live code is untouched.
                            prop_assert_eq!(event_count(&t), before + 1);
                        }
                        Err(other) => prop_assert!(false, "unexpected send error {other:?}"),
                    }
                }
                Op::CheckRight { person, code_type } | Op::CheckWrong { person, code_type } | Op::Typo { person, code_type } => {
                    let key = (person, code_type);
                    let model = live.get(&key).cloned();
                    let typed = match (&op, &model) {
                        (Op::CheckRight { .. }, Some(m)) => m.code.clone(),
                        (Op::CheckWrong { .. }, Some(m)) => common::TestDesk::wrong(&m.code),
                        (Op::Typo { .. }, _) => "12".to_owned(),
                        // No code known: guess.
                        _ => "000000".to_owned(),
                    };
                    let result = t.desk.check_code("r", &ids[person], code_type, &typed);
                    let after = event_count(&t);
                    match (&result, model) {
                        (Ok(v), Some(m)) => {
                            // Nothing here went out through a provider (no worker runs, and none
                            // is set up): a right code is practice, never a verification.
                            prop_assert!(v.verified.practice, "verified though no code was sent");
                            prop_assert!(!m.dead, "verified with a dead code");
                            prop_assert!(now < m.expires_at, "verified after expiry");
                            prop_assert_eq!(&typed, &m.code, "verified without the right code");
                            prop_assert!(m.wrong < max_attempts);
                            prop_assert_eq!(after, before + 1);
                            live.remove(&key);
                            practised.insert(key, true);
                        }
                        (Ok(_), None) => prop_assert!(false, "verified with no code sent"),
                        (Err(Error::Code(CodeError::NoCodeInProgress)), m) => {
                            prop_assert!(m.is_none(), "engine lost a live code");
                            prop_assert_eq!(after, before);
                        }
                        (Err(Error::Code(CodeError::CodeExpired)), Some(m)) => {
                            prop_assert!(now >= m.expires_at && !m.dead);
                            prop_assert_eq!(after, before + 1, "expiry: one event");
                            live.remove(&key);
                        }
                        (Err(Error::Code(CodeError::CodeLocked)), Some(m)) => {
                            prop_assert!(m.dead);
                            prop_assert_eq!(after, before, "a dead code refuses without an event");
                        }
                        (Err(Error::Code(CodeError::CodeFormat { .. })), Some(m)) => {
                            prop_assert!(matches!(op, Op::Typo { .. }), "only a typo gives a format error");
                            prop_assert!(!m.dead && now < m.expires_at);
                            prop_assert_eq!(after, before);
                        }
                        (Err(Error::Code(CodeError::WrongCode { attempts_left })), Some(_)) => {
                            prop_assert!(!matches!(op, Op::CheckRight { .. }), "right code refused");
                            let m = live.get_mut(&key).expect("model");
                            m.wrong += 1;
                            prop_assert!(m.wrong < max_attempts);
                            prop_assert_eq!(*attempts_left, max_attempts - m.wrong);
                            prop_assert!(now < m.expires_at);
                            prop_assert_eq!(after, before + 1);
                        }
                        (Err(Error::Code(CodeError::WrongCodeLocked)), Some(_)) => {
                            prop_assert!(!matches!(op, Op::CheckRight { .. }), "the right code locked the code");
                            let m = live.get_mut(&key).expect("model");
                            m.wrong += 1;
                            prop_assert_eq!(m.wrong, max_attempts, "locked exactly at the limit");
                            m.dead = true;
                            prop_assert_eq!(after, before + 1);
                        }
                        (other, m) => prop_assert!(false, "unexpected {other:?} with model {m:?}"),
                    }
                }
            }
            // The engine's view agrees with the model on every contact.
            for (p, id) in ids.iter().enumerate() {
                for ct in [CodeType::Phone, CodeType::Email] {
                    let want = is_verified.get(&(p, ct)).copied().unwrap_or(false);
                    prop_assert_eq!(verified(&t, id, ct), want);
                    prop_assert_eq!(practice(&t, id, ct), practised.get(&(p, ct)).copied().unwrap_or(false));
                }
            }
        }
        // Wrong tries recorded per issued code never exceed the limit.
        let over: i64 = t.desk.with_store(|s| Ok(s.conn().query_row(
            "SELECT count(*) FROM verification_codes WHERE attempts > max_attempts", [], |r| r.get(0))?)).expect("q");
        prop_assert_eq!(over, 0);
    }
}
