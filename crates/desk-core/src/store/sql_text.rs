//! Enums stored as their snake_case names: one derive for the string forms (strum), one line
//! here for SQLite, so no enum keeps a hand-written `as_str`/`parse` pair.

/// `sql_text!(Type)`: store `Type` in SQLite as its strum name, and read it back (an unknown
/// name is a column error, never a silent default); it also compares equal to its name, so
/// tests and views can say `status == "sent"`. `Type` derives `Copy`,
/// `strum::IntoStaticStr` and `strum::EnumString`.
#[macro_export]
macro_rules! sql_text {
    ($t:ty) => {
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                let name: &'static str = (*self).into();
                name == *other
            }
        }
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                let name: &'static str = (*self).into();
                Ok(rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(name.as_bytes())))
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                s.parse().map_err(|_| rusqlite::types::FromSqlError::Other(format!("unknown {} {s:?}", stringify!($t)).into()))
            }
        }
    };
}
