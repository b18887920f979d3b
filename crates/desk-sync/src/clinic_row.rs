//! A row of the clinic's people as `desk_sync.pull_people` returns it, read into the desk's
//! forms: double-encoded JSON unwrapped, names from `personal_info` or the name columns, phones
//! to E.164 (India by default: both `+91…` and bare 10-digit forms), emails trimmed with the
//! domain lower-cased. What can't be read is reported, never dropped silently.

use desk_core::contact;
use desk_core::people::clinic::ClinicPerson;
use desk_core::people::EntityType;
use desk_core::staff::clinic::ClinicStaff;
use serde_json::{json, Map, Value};

/// One row as the clinic sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub user_id: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub deleted: bool,
    pub is_active: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub personal_info: Option<Value>,
    pub contact_info: Option<Value>,
    pub verification_status: Option<Value>,
    pub password_hash: Option<String>,
    pub roles: Vec<String>,
}

impl RawRow {
    /// The row as kept for an admin when it can't be read (no password hash in it).
    pub fn as_json(&self) -> Value {
        json!({
            "user_id": self.user_id, "entity_type": self.entity_type, "entity_id": self.entity_id,
            "deleted": self.deleted, "is_active": self.is_active,
            "first_name": self.first_name, "last_name": self.last_name, "full_name": self.full_name,
            "personal_info": self.personal_info, "contact_info": self.contact_info, "roles": self.roles,
        })
    }
}

/// What a row says, in the desk's forms.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub person: ClinicPerson,
    /// Set for staff (whether or not their roles give them a desk account).
    pub staff: Option<ClinicStaff>,
    /// What couldn't be read; empty when all is well.
    pub problems: Vec<String>,
}

/// A JSON column that may hold the object itself or a JSON string containing it.
pub fn unwrap_json(v: Option<&Value>) -> Option<Map<String, Value>> {
    match v? {
        Value::Object(m) => Some(m.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

fn text(m: Option<&Map<String, Value>>, key: &str) -> Option<String> {
    let v = m?.get(key)?;
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

fn clean(s: Option<&str>) -> Option<String> {
    let s = s?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    }
}

pub fn read(row: &RawRow) -> Read {
    let mut problems = Vec::new();
    let personal = unwrap_json(row.personal_info.as_ref());
    let contacts = unwrap_json(row.contact_info.as_ref());
    if row.contact_info.as_ref().is_some_and(|v| !v.is_null()) && contacts.is_none() {
        problems.push("its contact details are not readable JSON".to_owned());
    }
    let name = join(text(personal.as_ref(), "first_name"), text(personal.as_ref(), "last_name"))
        .or_else(|| text(personal.as_ref(), "name"))
        .or_else(|| text(personal.as_ref(), "full_name"))
        .or_else(|| clean(row.full_name.as_deref()))
        .or_else(|| join(clean(row.first_name.as_deref()), clean(row.last_name.as_deref())));
    let display_name = name.unwrap_or_else(|| {
        problems.push("it has no name".to_owned());
        "(no name in the clinic's record)".to_owned()
    });
    // As the clinic's own code reads it: contact_info's phone, else the user id.
    let phone_raw = text(contacts.as_ref(), "phone").or_else(|| text(contacts.as_ref(), "mobile")).or_else(|| {
        let id = row.user_id.trim();
        id.chars().all(|c| c.is_ascii_digit() || c == '+').then(|| id.to_owned())
    });
    let phone = match phone_raw.as_deref() {
        Some(p) => match contact::normalize_phone(p) {
            Ok(e164) => Some(e164),
            Err(_) => {
                problems.push(format!("its phone “{p}” is not a phone number"));
                None
            }
        },
        None => None,
    };
    let email = match text(contacts.as_ref(), "email") {
        Some(e) => match contact::normalize_email(&e) {
            Ok(e) => Some(e),
            Err(_) => {
                problems.push(format!("its email “{e}” is not an email address"));
                None
            }
        },
        None => None,
    };
    let entity_type = match row.entity_type.as_deref().map(str::trim) {
        Some("staff") => EntityType::Staff,
        Some("patient") | None => EntityType::Patient,
        Some(other) => {
            problems.push(format!("its kind “{other}” is neither staff nor patient"));
            EntityType::Patient
        }
    };
    let active = row.is_active && !row.deleted;
    let status = unwrap_json(row.verification_status.as_ref()).map(Value::Object).unwrap_or_else(|| json!({}));
    let person = ClinicPerson {
        user_id: row.user_id.clone(),
        entity_type,
        entity_id: row.entity_id.clone().unwrap_or_else(|| row.user_id.clone()),
        display_name: display_name.clone(),
        phone,
        email,
        active,
        verification_status: status,
    };
    let staff = (entity_type == EntityType::Staff).then(|| ClinicStaff {
        user_id: row.user_id.clone(),
        display_name,
        roles: row.roles.clone(),
        password_hash: row.password_hash.clone(),
        active,
    });
    Read { person, staff, problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(user_id: &str) -> RawRow {
        RawRow {
            user_id: user_id.into(),
            entity_type: Some("patient".into()),
            entity_id: Some("e1".into()),
            deleted: false,
            is_active: true,
            first_name: None,
            last_name: None,
            full_name: None,
            personal_info: None,
            contact_info: None,
            verification_status: None,
            password_hash: None,
            roles: vec![],
        }
    }

    #[test]
    fn double_encoded_contacts_and_both_phone_forms_read() {
        let mut r = row("9845012346");
        r.personal_info = Some(json!({"first_name": "Asha", "last_name": " Rao "}));
        r.contact_info = Some(Value::String(r#"{"phone": "9845012346", "email": "  Asha.Rao@GMAIL.COM "}"#.into()));
        let read = read(&r);
        assert_eq!(read.problems, Vec::<String>::new());
        assert_eq!(read.person.display_name, "Asha Rao");
        assert_eq!(read.person.phone.as_deref(), Some("+919845012346"));
        assert_eq!(read.person.email.as_deref(), Some("Asha.Rao@gmail.com"));

        let mut r = row("+919845012345");
        r.full_name = Some("Priya  Sharma".into());
        r.contact_info = Some(json!({"mobile": "+91 98450 12345"}));
        let read = super::read(&r);
        assert_eq!((read.person.display_name.as_str(), read.person.phone.as_deref()), ("Priya Sharma", Some("+919845012345")));
    }

    #[test]
    fn what_cannot_be_read_is_reported_not_dropped() {
        let mut r = row("W-odd");
        r.contact_info = Some(json!({"phone": "call reception", "email": "nobody"}));
        let read = read(&r);
        assert_eq!(read.person.phone, None);
        assert_eq!(read.person.email, None);
        assert_eq!(read.problems.len(), 3, "{:?}", read.problems);
        assert!(read.problems.iter().any(|p| p.contains("call reception")));
        assert!(read.person.display_name.contains("no name"));
    }

    #[test]
    fn staff_come_with_roles_and_hash_patients_never_with_a_hash() {
        let mut r = row("+919845070003");
        r.entity_type = Some("staff".into());
        r.full_name = Some("Latha K".into());
        r.roles = vec!["Receptionist".into()];
        r.password_hash = Some("scrypt:32768:8:1$salt$00".into());
        let read = read(&r);
        let staff = read.staff.expect("staff");
        assert_eq!(staff.roles, vec!["Receptionist".to_owned()]);
        assert!(staff.password_hash.is_some());
        assert!(super::read(&row("9845012346")).staff.is_none());
    }
}
