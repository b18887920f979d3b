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
    /// The code's hash was made with another pepper (the keyring couldn't be read when it was
    /// issued, and the desk restarted since): it can't be checked, and no try is counted.
    #[error("code was issued under another pepper")]
    CodeFromOtherPepper,
    /// The person withdrew consent to be sent codes at this contact.
    #[error("consent withdrawn for this contact")]
    ConsentWithdrawn,
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
            CodeError::CodeFromOtherPepper => "This code was sent while the desk couldn't read its keyring, and the desk \
                 has restarted since, so it can't be checked. Send a new code: this try was not counted."
                .to_owned(),
            CodeError::ConsentWithdrawn => "This person withdrew consent to receive codes at this contact. Ask them \
                 again: if they agree, record their consent, then send."
                .to_owned(),
        }
    }
}
