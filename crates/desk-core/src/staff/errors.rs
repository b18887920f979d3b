//! Why someone can't sign in or do something at the desk, in plain words.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("sign-in failed")]
    SignInFailed,
    #[error("account locked until {until}")]
    AccountLocked { until: String },
    #[error("sign-in blocked after too many wrong passwords")]
    AccountBlocked,
    #[error("too many failed sign-ins on this desk; wait until {until}")]
    DeskBusy { until: String },
    #[error("account disabled")]
    AccountDisabled,
    #[error("no one is signed in")]
    SignInRequired,
    #[error("session locked after idle time")]
    SessionLocked,
    #[error("admin role required")]
    AdminOnly,
    #[error("the desk is already set up")]
    AlreadySetUp,
}

impl AccessError {
    pub fn user_message(&self) -> String {
        match self {
            AccessError::SignInFailed => "That user ID and password don't match. Check them and try again.".to_owned(),
            AccessError::AccountLocked { until } => {
                format!("Too many wrong passwords for this user ID. Try again at {until}, or ask an administrator.")
            }
            AccessError::AccountBlocked => "Sign-in for this user ID is blocked after too many wrong passwords. \
                 Ask an administrator to unlock it (Admin → Staff), or use the recovery code."
                .to_owned(),
            AccessError::DeskBusy { until } => format!("Too many failed sign-ins on this desk. Sign-in opens again at {until}."),
            AccessError::AccountDisabled => "This account is switched off. Ask an administrator.".to_owned(),
            AccessError::SignInRequired => "Sign in to use the desk.".to_owned(),
            AccessError::SessionLocked => "The desk locked itself because it wasn't used for a while. Sign in again.".to_owned(),
            AccessError::AdminOnly => "Only an administrator can do that. Ask an administrator to sign in.".to_owned(),
            AccessError::AlreadySetUp => "This desk already has an administrator. Sign in instead.".to_owned(),
        }
    }
}
