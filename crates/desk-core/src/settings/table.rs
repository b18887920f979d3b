//! The one table of settings: each group (the core's here, each provider's in its own crate)
//! declares every setting once — name, type, default, the admin's label and its range — with
//! [`settings_table!`](crate::settings_table). Validation, labels and the stored form all come
//! from that declaration.

use serde::Serialize;

/// One setting as the admin screens and the validation see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingDef {
    pub name: &'static str,
    /// What the admin reads ("Code length").
    pub label: &'static str,
    /// Inclusive bounds, for numbers.
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// Why a settings change was refused, in the admin's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("setting {name} out of range {min}..={max}")]
    OutOfRange { name: &'static str, label: &'static str, min: u64, max: u64 },
    #[error("setting {name} invalid: {reason}")]
    Invalid { name: String, label: String, reason: String },
    #[error("{name} is not a setting")]
    Unknown { name: String },
}

impl SettingsError {
    pub fn invalid(def: &SettingDef, reason: impl Into<String>) -> Self {
        SettingsError::Invalid { name: def.name.into(), label: def.label.into(), reason: reason.into() }
    }

    pub fn user_message(&self) -> String {
        match self {
            SettingsError::OutOfRange { label, min, max, .. } => format!("{label} must be between {min} and {max}."),
            SettingsError::Invalid { label, reason, .. } => format!("{label} {reason}."),
            SettingsError::Unknown { name } => format!("The desk has no setting called “{name}”."),
        }
    }
}

/// A group of settings declared with [`settings_table!`](crate::settings_table).
pub trait SettingsGroup: Serialize + serde::de::DeserializeOwned + Default + Clone {
    const DEFS: &'static [SettingDef];

    /// The ranges of the table.
    fn check_ranges(&self) -> Result<(), SettingsError>;

    /// Rules beyond ranges (allowed values, uniqueness): the group's own `fn rules(&self)`.
    fn check_rules(&self) -> Result<(), SettingsError>;

    fn validate(&self) -> Result<(), SettingsError> {
        self.check_ranges()?;
        self.check_rules()
    }

    fn def(name: &str) -> Option<&'static SettingDef> {
        Self::DEFS.iter().find(|d| d.name == name)
    }
}

#[doc(hidden)]
pub fn check_range(def: &'static SettingDef, value: u64) -> Result<(), SettingsError> {
    match (def.min, def.max) {
        (Some(min), Some(max)) if !(min..=max).contains(&value) => {
            Err(SettingsError::OutOfRange { name: def.name, label: def.label, min, max })
        }
        _ => Ok(()),
    }
}

/// Declare a group of settings once: `name: Type = default, "Label" [, min..=max];`.
/// Generates the struct (serde, defaults for anything not stored), its table of
/// [`SettingDef`]s and the range checks.
#[macro_export]
macro_rules! settings_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr, $label:literal $(, $min:literal ..= $max:literal)? ;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default.into(), )* }
            }
        }

        impl $crate::settings::SettingsGroup for $name {
            const DEFS: &'static [$crate::settings::SettingDef] = &[
                $( $crate::settings::SettingDef {
                    name: stringify!($field),
                    label: $label,
                    min: $crate::settings_table!(@min $($min)?),
                    max: $crate::settings_table!(@max $($max)?),
                }, )*
            ];

            #[allow(unused_variables)]
            fn check_ranges(&self) -> Result<(), $crate::settings::SettingsError> {
                let defs = <Self as $crate::settings::SettingsGroup>::DEFS;
                let mut i = 0usize;
                $(
                    $crate::settings_table!(@check self, $field, &defs[i] $(, $min)?);
                    i += 1;
                )*
                let _ = i;
                Ok(())
            }

            fn check_rules(&self) -> Result<(), $crate::settings::SettingsError> {
                self.rules()
            }
        }
    };
    (@min) => { None };
    (@min $min:literal) => { Some($min) };
    (@max) => { None };
    (@max $max:literal) => { Some($max) };
    (@check $s:ident, $field:ident, $def:expr) => {};
    (@check $s:ident, $field:ident, $def:expr, $min:literal) => {
        $crate::settings::table::check_range($def, u64::from($s.$field))?;
    };
}
