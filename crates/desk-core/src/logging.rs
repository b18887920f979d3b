//! Logging: human-readable lines to stderr and to a daily rolling file in the log folder,
//! 14 files kept. The level comes from `SKINSPIRE_DESK_LOG` (EnvFilter syntax, default `info`).

use std::io::IsTerminal;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

pub const LOG_ENV: &str = "SKINSPIRE_DESK_LOG";
pub const LOG_FILES_KEPT: usize = 14;
pub const LOG_FILE_PREFIX: &str = "desk";

/// Install the global subscriber. Keep the returned guard alive for the life of the process,
/// or the last lines never reach the file.
///
/// If the log folder can't be used the desk still runs, logging to stderr only; that is better
/// than refusing to open for reception.
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    init_with(log_dir, true)
}

/// As [`init`]; `to_stderr: false` writes the file only (tests that read the log files).
pub fn init_with(log_dir: &Path, to_stderr: bool) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = to_stderr.then(|| fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()).with_target(false));

    let file_appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(LOG_FILES_KEPT)
        .build(log_dir);

    match file_appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = fmt::layer().with_writer(writer).with_ansi(false);
            let _ = tracing_subscriber::registry().with(filter).with(stderr).with(file).try_init();
            Some(guard)
        }
        Err(err) => {
            let _ = tracing_subscriber::registry().with(filter).with(stderr).try_init();
            tracing::warn!(%err, dir = %log_dir.display(), "log folder unusable; logging to stderr only");
            None
        }
    }
}

/// Text from outside (a provider's error message, an SMTP reply) with phone numbers and email
/// addresses taken out, for the log: Twilio's errors quote the number ("The 'To' number
/// +919845012345 is not…") and mail servers quote the address. Keeps everything else.
pub fn redact(text: &str) -> String {
    static EMAIL: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}").ok());
    // Seven or more digits, allowing the separators people and providers put in numbers.
    static NUMBER: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\+?\d(?:[\s\-().]*\d){6,}").ok());
    let mut out = text.to_owned();
    if let Some(re) = EMAIL.as_ref() {
        out = re.replace_all(&out, "[email]").into_owned();
    }
    if let Some(re) = NUMBER.as_ref() {
        out = re.replace_all(&out, "[number]").into_owned();
    }
    out
}

#[cfg(test)]
mod redact_tests {
    use super::redact;

    #[test]
    fn numbers_and_addresses_leave_the_text() {
        assert_eq!(
            redact("The 'To' number +919845012345 is not a valid phone number."),
            "The 'To' number [number] is not a valid phone number."
        );
        assert_eq!(redact("550 5.1.1 <Priya.Sharma@gmail.com>: user unknown"), "550 5.1.1 <[email]>: user unknown");
        assert_eq!(redact("to +91 98450-12345 failed"), "to [number] failed");
        // Error codes and short numbers stay: they are what the admin needs.
        assert_eq!(redact("Twilio error 21211 (HTTP 400), 3 tries"), "Twilio error 21211 (HTTP 400), 3 tries");
    }
}
