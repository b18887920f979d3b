//! An unlock prompt nobody answers must not freeze the desk's keyring for ever: on a keyring of
//! this test's own whose prompts open on the (virtual) display and wait, a call on the locked
//! keyring gives up after the timeout; calls meanwhile are refused at once instead of opening
//! more prompts; and once the keyring is unlocked, the desk connects afresh and works again.
//!
//! One test in this binary: it points the process's session bus at its own daemon.

use std::time::{Duration, Instant};

use desk_core::secrets::{Keyring, KeyringState, SecretsError, KEYRING_STUCK_AFTER, KEYRING_TIMEOUT};
use desk_tests::dbus::PrivateKeyring;
use secrecy::{ExposeSecret, SecretString};

#[test]
fn an_unanswered_prompt_is_given_up_on_and_the_keyring_comes_back() {
    let k = PrivateKeyring::start_with_unanswered_prompts();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &k.address);
    let keyring = Keyring::system();
    keyring.set("prompt-test", &SecretString::from("kept")).expect("set while unlocked");

    k.lock();
    let t0 = Instant::now();
    assert_eq!(keyring.get("prompt-test").err(), Some(SecretsError::TimedOut), "the prompt waits; the call doesn't");
    assert!(t0.elapsed() < KEYRING_TIMEOUT + Duration::from_secs(2), "{:?}", t0.elapsed());
    // While that call still waits on its prompt, others are refused at once.
    let t1 = Instant::now();
    assert_eq!(keyring.probe().state, KeyringState::Locked);
    assert!(t1.elapsed() < Duration::from_secs(1), "no second wait, no second prompt: {:?}", t1.elapsed());

    k.unlock();
    // The stuck call never ends (its prompt is still open): after a while the desk gives up on
    // it and connects afresh.
    std::thread::sleep(KEYRING_STUCK_AFTER.saturating_sub(t0.elapsed()) + Duration::from_secs(1));
    let back = keyring.get("prompt-test").expect("works again").expect("the item");
    assert_eq!(back.expose_secret(), "kept");
    assert_eq!(keyring.probe().state, KeyringState::Ok);
    let _ = keyring.delete("prompt-test");
}
