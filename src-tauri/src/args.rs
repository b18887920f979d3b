//! Command arguments that answer a malformed call in the desk's own error shape: a missing or
//! mistyped argument is refused with `{code: "invalid_input", message}`, like every other error,
//! instead of Tauri's own string ("invalid args `userId` for command `sign_in`: …").

use std::ops::Deref;

use desk_core::{ErrorCode, PublicError};
use serde::Deserialize;
use tauri::ipc::{CommandArg, CommandItem, InvokeError};
use tauri::Runtime;

/// One command argument, deserialized from the call's JSON. Use it like the value it holds.
#[derive(Debug, Clone)]
pub struct Arg<T>(pub T);

impl<T> Arg<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Arg<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>, R: Runtime> CommandArg<'de, R> for Arg<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let (name, key) = (command.name, command.key);
        T::deserialize(command).map(Arg).map_err(|err: serde_json::Error| {
            // Which command and argument, for the log; not serde's text, which can quote the
            // value it refused (a mistyped password, a phone number).
            tracing::warn!(command = name, argument = key, kind = ?err.classify(), "malformed command arguments");
            InvokeError::from(PublicError {
                code: ErrorCode::InvalidInput,
                message: format!(
                    "The desk couldn't read that request (its “{key}” is missing or not in the right form). \
                     Reload the window (Ctrl+R); if it keeps happening, ask your administrator to check the log files."
                ),
            })
        })
    }
}

/// A secret argument (a password): Debug redacts it, nothing can serialize it, and in TypeScript
/// it is a string.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Secret(pub secrecy::SecretString);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl specta::Type for Secret {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

impl<T: specta::Type> specta::Type for Arg<T> {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        T::definition(types)
    }
}

/// A progress channel argument (`tauri::ipc::Channel`), refused in the desk's error shape when
/// the call lacks it, like every other argument.
pub struct Progress<T: tauri::ipc::IpcResponse>(pub tauri::ipc::Channel<T>);

impl<'de, T: tauri::ipc::IpcResponse, R: Runtime> CommandArg<'de, R> for Progress<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let (name, key) = (command.name, command.key);
        <tauri::ipc::Channel<T> as CommandArg<'de, R>>::from_command(command).map(Progress).map_err(|_| {
            tracing::warn!(command = name, argument = key, "missing progress channel");
            InvokeError::from(PublicError {
                code: ErrorCode::InvalidInput,
                message: format!(
                    "The desk couldn't read that request (its “{key}” is missing or not in the right form). \
                     Reload the window (Ctrl+R); if it keeps happening, ask your administrator to check the log files."
                ),
            })
        })
    }
}

impl<T: tauri::ipc::IpcResponse + specta::Type> specta::Type for Progress<T> {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <tauri::ipc::Channel<T> as specta::Type>::definition(types)
    }
}
