//! Every script on every screen, in the real WebKitGTK window: for each of the five Indian
//! scripts the desk ships templates in, the template preview shows text in that script and the
//! page has loaded the bundled Noto Sans face for it (a `FontFace` of that family with status
//! `loaded`: this machine has no Indic font of its own, so without the bundled ones WebKit draws
//! boxes). Screenshots of each preview are kept under target/e2e-screenshots/.

use std::time::{Duration, Instant};

use desk_app::{AppPaths, Desk, FirstAdmin};
use desk_core::people::{EntityType, PersonInput};
use desk_core::staff::{NewStaff, Role};
use desk_tests::app::{AppUnderTest, Launch};
use desk_tests::services::secret_service;
use fantoccini::Locator;
use secrecy::SecretString;

const ADMIN: (&str, &str) = ("asha.admin", "admin-passphrase");

/// (language code, the family of its script's face, a range of that script's letters, a name).
const SCRIPTS: [(&str, &str, std::ops::RangeInclusive<char>, &str); 5] = [
    ("hi", "Noto Sans Devanagari", '\u{0900}'..='\u{097F}', "राजेश कुमार"),
    ("kn", "Noto Sans Kannada", '\u{0C80}'..='\u{0CFF}', "ಲತಾ ಕೃಷ್ಣ"),
    ("ta", "Noto Sans Tamil", '\u{0B80}'..='\u{0BFF}', "முருகன் செல்வம்"),
    ("te", "Noto Sans Telugu", '\u{0C00}'..='\u{0C7F}', "శ్రీనివాస్ రావు"),
    ("ml", "Noto Sans Malayalam", '\u{0D00}'..='\u{0D7F}', "അനിത മേനോൻ"),
];

/// The faces of `family` the page knows, and the weights of those loaded.
async fn faces(app: &AppUnderTest, family: &str) -> (usize, Vec<String>) {
    let script = "const [family] = arguments;
        const faces = [...document.fonts].filter((f) => f.family.replace(/[\"']/g, '') === family);
        return { known: faces.length, loaded: faces.filter((f) => f.status === 'loaded').map((f) => String(f.weight)) };";
    let out = app.client.execute(script, vec![serde_json::Value::String(family.into())]).await.expect("document.fonts");
    let known = out["known"].as_u64().unwrap_or(0) as usize;
    let loaded = out["loaded"].as_array().map(|a| a.iter().filter_map(|w| w.as_str().map(str::to_owned)).collect()).unwrap_or_default();
    (known, loaded)
}

/// Wait until the page reports a face of `family` loaded (WebKit loads a face once text that
/// needs it is laid out).
async fn wait_loaded(app: &AppUnderTest, family: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (known, loaded) = faces(app, family).await;
        assert!(known >= 3, "the page declares the bundled {family} faces (400, 600, 700): found {known}");
        if !loaded.is_empty() {
            return loaded;
        }
        assert!(Instant::now() < deadline, "no {family} face loaded: the text in that script would be boxes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn each_indian_script_is_drawn_with_its_bundled_font_in_the_template_preview_and_in_search() {
    let keyring = secret_service("e2e_fonts");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    {
        let desk = Desk::open(AppPaths::under(&data), keyring).expect("open desk");
        desk.create_first_admin(&FirstAdmin {
            clinic_name: "Skinspire Clinic".into(),
            admin: NewStaff {
                user_id: ADMIN.0.into(),
                display_name: "Dr. Asha Rao".into(),
                role: Role::Admin,
                password: SecretString::from(ADMIN.1),
            },
        })
        .expect("admin");
        for (i, (lang, _, _, name)) in SCRIPTS.iter().enumerate() {
            desk.add_person(
                ADMIN.0,
                &PersonInput {
                    display_name: (*name).into(),
                    entity_type: Some(EntityType::Patient),
                    phone: Some(format!("+9198450000{i:02}")),
                    email: None,
                    preferred_language: Some((*lang).into()),
                },
            )
            .expect("person");
        }
    }
    let app = Launch::new().data_dir(&data).start().await;
    app.fill("signin-user-id", ADMIN.0).await;
    app.fill("signin-password", ADMIN.1).await;
    app.click("signin-submit").await;
    app.by_testid("search-input").await;

    // Before any Indic text is on screen, nothing of it is loaded: the faces load on demand.
    let (_, loaded) = faces(&app, "Noto Sans Malayalam").await;
    assert!(loaded.is_empty(), "loaded before any Malayalam was shown: {loaded:?}");

    app.click("nav-admin").await;
    app.click("admin-templates").await;
    for (lang, family, letters, _) in &SCRIPTS {
        let select = app.by_testid("template-language").await;
        select.select_by_value(lang).await.unwrap_or_else(|e| panic!("pick {lang}: {e}"));
        let text = app.wait_text("template-preview-text", |t| t.chars().any(|c| letters.contains(&c))).await;
        assert!(!text.trim().is_empty());
        let weights = wait_loaded(&app, family).await;
        assert!(weights.iter().any(|w| w == "400"), "{family}: the preview's regular face is loaded: {weights:?}");
        app.screenshot(&format!("fonts-template-preview-{lang}")).await;
    }

    // Names in search, in each script, with the language picker's native names beside them.
    app.click("nav-desk").await;
    for (_, family, letters, name) in &SCRIPTS {
        app.fill("search-input", name).await;
        app.wait_text("search-result", |t| t.contains(name)).await;
        let shown = app.client.find(Locator::Css("[data-testid=\"search-result\"]")).await.expect("result").text().await.expect("text");
        assert!(shown.chars().any(|c| letters.contains(&c)));
        wait_loaded(&app, family).await;
    }
    app.screenshot("fonts-search-devanagari-to-malayalam").await;
    app.close().await;
}
