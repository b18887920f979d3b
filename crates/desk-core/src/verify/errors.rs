//! Why a code can't be sent or checked, in the receptionist's words.

use crate::channel::Channel;
use crate::contact::CodeType;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("person is not active")]
    PersonInactive,
    #[error("person has no contact for {channel:?}")]
    NoContact { channel: Channel },
    #[error("consent to receive a code was not confirmed")]
    ConsentRequired,
    #[error("no code in progress")]
    NoCodeInProgress,
    #[error("typed code has the wrong shape")]
    CodeFormat { length: u8 },
    #[error("wrong code, {attempts_left} attempts left")]
    WrongCode { attempts_left: u32 },
    #[error("wrong code; the code is now locked")]
    WrongCodeLocked,
    #[error("code locked after too many wrong attempts")]
    CodeLocked,
    #[error("code expired")]
    CodeExpired,
}

impl CodeError {
    /// What the person at the desk reads: what happened and what to do next.
    pub fn user_message(&self) -> String {
        match self {
            CodeError::PersonInactive => "This person's record is switched off. Ask an administrator \
                 to switch it on before verifying."
                .to_owned(),
            CodeError::NoContact { channel } => match channel.code_type() {
                CodeType::Phone => "There is no mobile number for this person. Add one first (Edit contact).".to_owned(),
                CodeType::Email => "There is no email address for this person. Add one first (Edit contact).".to_owned(),
            },
            CodeError::ConsentRequired => "Ask the person if they agree to receive a code, then tick \
                 the box before sending."
                .to_owned(),
            CodeError::NoCodeInProgress => "No code is waiting for this contact. Send a code first.".to_owned(),
            CodeError::CodeFormat { length } => format!("The code is {length} digits. Check it and type it again."),
            CodeError::WrongCode { attempts_left: 1 } => "Wrong code. 1 try left.".to_owned(),
            CodeError::WrongCode { attempts_left } => format!("Wrong code. {attempts_left} tries left."),
            CodeError::WrongCodeLocked => "Wrong code. This code can't be used any more. Send a new one.".to_owned(),
            CodeError::CodeLocked => "This code can't be used any more. Send a new one.".to_owned(),
            CodeError::CodeExpired => "This code has expired. Send a new one.".to_owned(),
        }
    }
}
