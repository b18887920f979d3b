//! "Load sample data": a realistic set of patients and a few staff, so a new desk shows the
//! product working at once. Only into an empty desk: it must never mix with real records.

use rusqlite::Connection;
use time::OffsetDateTime;

use crate::codes::RandomSource;
use crate::error::{Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};
use crate::people::{self, EntityType, PersonInput};

/// (name, mobile, email, language)
const PATIENTS: &[(&str, &str, &str, &str)] = &[
    ("Priya Sharma", "98450 12345", "priya.sharma@gmail.com", "en"),
    ("Rahul Verma", "99001 23456", "rahul.verma84@yahoo.co.in", "hi"),
    ("Ananya Iyer", "98860 34567", "ananya.iyer@gmail.com", "ta"),
    ("Mohammed Irfan", "97400 45678", "irfan.m@outlook.com", "en"),
    ("Lakshmi Narayanan", "94480 56789", "", "ta"),
    ("Sneha Reddy", "90080 67890", "sneha.reddy@gmail.com", "te"),
    ("Arjun Nair", "81230 78901", "arjun.nair@rediffmail.com", "ml"),
    ("Kavya Gowda", "96860 89012", "kavya.gowda@gmail.com", "kn"),
    ("Vikram Singh", "98100 90123", "vikram.singh@gmail.com", "hi"),
    ("Deepa Menon", "94470 01234", "deepa.menon@yahoo.com", "ml"),
    ("Suresh Kumar", "99860 11223", "", "kn"),
    ("Fatima Begum", "88840 22334", "fatima.begum@gmail.com", "hi"),
    ("Karthik Subramanian", "98410 33445", "karthik.s@gmail.com", "ta"),
    ("Meera Joshi", "98200 44556", "meera.joshi@hotmail.com", "en"),
    ("Ravi Teja", "90300 55667", "raviteja@gmail.com", "te"),
    ("Pooja Hegde", "77600 66778", "pooja.hegde@gmail.com", "kn"),
    ("Abdul Rahman", "95380 77889", "", "en"),
    ("Divya Pillai", "94950 88990", "divya.pillai@gmail.com", "ml"),
    ("Naveen Rao", "99450 99001", "naveen.rao@yahoo.co.in", "kn"),
    ("Shalini Gupta", "98110 10293", "shalini.gupta@gmail.com", "hi"),
    ("Aditya Kulkarni", "98220 29384", "aditya.k@gmail.com", "en"),
    ("Bhavana Shetty", "96110 38475", "bhavana.shetty@gmail.com", "kn"),
    ("Gopal Krishnan", "94430 47566", "", "ta"),
    ("Harini Raghavan", "98840 56657", "harini.r@gmail.com", "ta"),
    ("Imran Khan", "99160 65748", "imran.khan@gmail.com", "hi"),
    ("Jyothi Prasad", "94400 74839", "jyothi.prasad@gmail.com", "te"),
    ("Manjunath B", "97310 83920", "", "kn"),
    ("Nandini Das", "98300 92011", "nandini.das@gmail.com", "en"),
    ("Omkar Patil", "98600 01102", "omkar.patil@gmail.com", "en"),
    ("Revathi Srinivasan", "94860 12213", "revathi.s@yahoo.com", "ta"),
];

const STAFF: &[(&str, &str, &str)] = &[
    ("Dr. Asha Rao", "98450 70001", "asha.rao@skinspire.in"),
    ("Dr. Sameer Khanna", "98450 70002", "sameer.khanna@skinspire.in"),
    ("Latha Krishnamurthy (Reception)", "98450 70003", "reception@skinspire.in"),
    ("Nisha Thomas (Nurse)", "98450 70004", "nisha.thomas@skinspire.in"),
];

/// Load the sample set; returns how many people were added.
pub fn load(conn: &mut Connection, j: &Journal, actor: &str, now: OffsetDateTime, rng: &dyn RandomSource) -> Result<usize> {
    if people::count(conn)? > 0 {
        return Err(Error::NotEmpty);
    }
    let mut added = 0;
    let inputs = PATIENTS
        .iter()
        .map(|(name, phone, email, lang)| (EntityType::Patient, *name, *phone, *email, Some(*lang)))
        .chain(STAFF.iter().map(|(name, phone, email)| (EntityType::Staff, *name, *phone, *email, None)));
    for (entity_type, name, phone, email, lang) in inputs {
        let input = PersonInput {
            display_name: name.to_owned(),
            entity_type: Some(entity_type),
            phone: Some(phone.to_owned()),
            email: (!email.is_empty()).then(|| email.to_owned()),
            preferred_language: lang.map(str::to_owned),
        };
        people::add(conn, j, &input, actor, now, rng)?;
        added += 1;
    }
    let tx = conn.transaction()?;
    events::append(
        &tx,
        j,
        now,
        &NewEvent::action(actor, EventKind::SampleDataLoaded, actor, Outcome::Done, Some(serde_json::json!({"people": added}))),
    )?;
    tx.commit()?;
    tracing::info!(added, "sample data loaded");
    Ok(added)
}
