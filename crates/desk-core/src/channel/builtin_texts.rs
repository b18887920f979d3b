//! The messages the desk ships, in each language's own script. They live in the app, not the
//! database, so a new version can improve them for every clinic that has not changed them.
//!
//! The wording tells the patient to give the code only to reception staff rather than "share it
//! with no one": at this desk the patient reads the code out to the receptionist, and a message
//! that forbids exactly that teaches people to ignore the warning.
//!
//! The send worker passes the minutes actually left, so a retried message can say 1: English
//! gets "1 minute"; Hindi, Kannada, Tamil and Malayalam use a form that reads right with any
//! number; Telugu keeps the plural ("1 నిమిషాలు"), which is understood and keeps the template
//! free of logic an admin would have to read past.
//!
//! SMS bodies are counted: English fits one GSM-7 part with a 30-character clinic name and an
//! 8-digit code; the others are UCS-2 and fit two parts (134 code units) with the same.

use super::Part;

pub(super) struct Defaults {
    /// WhatsApp and SMS body.
    phone: &'static str,
    subject: &'static str,
    text: &'static str,
    html: &'static str,
}

/// One language's email from its sentences, so the layout is written once and every language
/// gets the same structure.
macro_rules! language {
    (
        lang: $lang:literal,
        phone: $phone:literal,
        subject: $subject:literal,
        greeting: $greeting:literal,
        intro: $intro:literal,
        expiry: $expiry:literal,
        share: $share:literal,
        ignore: $ignore:literal,
        regards: $regards:literal $(,)?
    ) => {
        Defaults {
            phone: $phone,
            subject: $subject,
            text: concat!(
                $greeting, "\n\n",
                $intro, "\n\n",
                "    {{ code }}\n\n",
                $expiry, " ", $share, "\n\n",
                $ignore, "\n\n",
                $regards, "\n",
                "{{ clinic_name }}\n",
            ),
            // Inline styles only: mail clients drop <style> blocks and block remote content.
            html: concat!(
                "<!DOCTYPE html>\n",
                "<html lang=\"", $lang, "\">\n",
                "<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\n",
                "<body style=\"margin:0;padding:24px;background:#ffffff;color:#1a1a1a;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;\">\n",
                "<div style=\"max-width:480px;margin:0 auto;\">\n",
                "<p style=\"margin:0 0 16px;\">", $greeting, "</p>\n",
                "<p style=\"margin:0 0 16px;\">", $intro, "</p>\n",
                "<p style=\"margin:0 0 16px;\"><span style=\"display:inline-block;padding:12px 20px;border:1px solid #c8ced6;border-radius:6px;background:#f3f5f7;font-family:'Courier New',Courier,monospace;font-size:32px;font-weight:bold;letter-spacing:6px;\">{{ code }}</span></p>\n",
                "<p style=\"margin:0 0 16px;\">", $expiry, " ", $share, "</p>\n",
                "<p style=\"margin:0 0 16px;color:#555555;\">", $ignore, "</p>\n",
                "<p style=\"margin:0;\">", $regards, "<br>{{ clinic_name }}</p>\n",
                "</div>\n",
                "</body>\n",
                "</html>\n",
            ),
        }
    };
}

static EN: Defaults = language! {
    lang: "en",
    phone: "{{ code }} is your verification code for {{ clinic_name }}. It expires in {{ expiry_minutes }} minute{% if expiry_minutes != 1 %}s{% endif %}. Give it only to our reception staff.",
    subject: "Your verification code for {{ clinic_name }}",
    greeting: "Dear {{ person_name }},",
    intro: "Your verification code for {{ clinic_name }} is:",
    expiry: "It expires in {{ expiry_minutes }} minute{% if expiry_minutes != 1 %}s{% endif %}.",
    share: "Give it only to our reception staff.",
    ignore: "If you did not ask for this code, you can ignore this email.",
    regards: "Regards,",
};

static HI: Defaults = language! {
    lang: "hi",
    phone: "{{ code }} आपका {{ clinic_name }} सत्यापन कोड है। यह {{ expiry_minutes }} मिनट तक मान्य है। इसे केवल हमारे रिसेप्शन स्टाफ़ को बताएं।",
    subject: "आपका {{ clinic_name }} सत्यापन कोड",
    greeting: "प्रिय {{ person_name }},",
    intro: "आपका {{ clinic_name }} सत्यापन कोड है:",
    expiry: "यह कोड {{ expiry_minutes }} मिनट तक मान्य है।",
    share: "इसे केवल हमारे रिसेप्शन स्टाफ़ को बताएं।",
    ignore: "अगर आपने यह कोड नहीं मांगा था, तो आप इस ईमेल को अनदेखा कर सकते हैं।",
    regards: "सादर,",
};

static KN: Defaults = language! {
    lang: "kn",
    phone: "ನಿಮ್ಮ {{ clinic_name }} ಪರಿಶೀಲನಾ ಕೋಡ್ {{ code }}. ಇದು {{ expiry_minutes }} ನಿಮಿಷ ಮಾತ್ರ ಮಾನ್ಯ. ರಿಸೆಪ್ಷನ್ ಸಿಬ್ಬಂದಿಗೆ ಮಾತ್ರ ತಿಳಿಸಿ.",
    subject: "ನಿಮ್ಮ {{ clinic_name }} ಪರಿಶೀಲನಾ ಕೋಡ್",
    greeting: "ಪ್ರಿಯ {{ person_name }},",
    intro: "ನಿಮ್ಮ {{ clinic_name }} ಪರಿಶೀಲನಾ ಕೋಡ್ ಇಲ್ಲಿದೆ:",
    expiry: "ಈ ಕೋಡ್ {{ expiry_minutes }} ನಿಮಿಷ ಮಾತ್ರ ಮಾನ್ಯವಾಗಿರುತ್ತದೆ.",
    share: "ಇದನ್ನು ನಮ್ಮ ರಿಸೆಪ್ಷನ್ ಸಿಬ್ಬಂದಿಗೆ ಮಾತ್ರ ತಿಳಿಸಿ.",
    ignore: "ನೀವು ಈ ಕೋಡ್ ಕೇಳದಿದ್ದರೆ, ಈ ಇಮೇಲ್ ಅನ್ನು ನಿರ್ಲಕ್ಷಿಸಬಹುದು.",
    regards: "ವಂದನೆಗಳೊಂದಿಗೆ,",
};

static TA: Defaults = language! {
    lang: "ta",
    phone: "உங்கள் {{ clinic_name }} சரிபார்ப்புக் குறியீடு {{ code }}. {{ expiry_minutes }} நிமிடம் மட்டுமே செல்லும். வரவேற்பறையில் மட்டும் சொல்லுங்கள்.",
    subject: "உங்கள் {{ clinic_name }} சரிபார்ப்புக் குறியீடு",
    greeting: "அன்புள்ள {{ person_name }},",
    intro: "உங்கள் {{ clinic_name }} சரிபார்ப்புக் குறியீடு:",
    expiry: "இந்தக் குறியீடு {{ expiry_minutes }} நிமிடம் மட்டுமே செல்லும்.",
    share: "இதை எங்கள் வரவேற்பு ஊழியர்களிடம் மட்டும் சொல்லுங்கள்.",
    ignore: "இந்தக் குறியீட்டை நீங்கள் கேட்கவில்லை என்றால், இந்த மின்னஞ்சலைப் புறக்கணிக்கலாம்.",
    regards: "அன்புடன்,",
};

static TE: Defaults = language! {
    lang: "te",
    phone: "మీ {{ clinic_name }} ధృవీకరణ కోడ్ {{ code }}. ఇది {{ expiry_minutes }} నిమిషాలు మాత్రమే చెల్లుతుంది. రిసెప్షన్ సిబ్బందికి మాత్రమే చెప్పండి.",
    subject: "మీ {{ clinic_name }} ధృవీకరణ కోడ్",
    greeting: "ప్రియమైన {{ person_name }} గారికి,",
    intro: "మీ {{ clinic_name }} ధృవీకరణ కోడ్:",
    expiry: "ఈ కోడ్ {{ expiry_minutes }} నిమిషాలు మాత్రమే చెల్లుతుంది.",
    share: "దీన్ని మా రిసెప్షన్ సిబ్బందికి మాత్రమే చెప్పండి.",
    ignore: "మీరు ఈ కోడ్ అడగకపోతే, ఈ ఈమెయిల్‌ను పట్టించుకోనవసరం లేదు.",
    regards: "ధన్యవాదాలతో,",
};

static ML: Defaults = language! {
    lang: "ml",
    phone: "നിങ്ങളുടെ {{ clinic_name }} സ്ഥിരീകരണ കോഡ് {{ code }}. ഇതിന് {{ expiry_minutes }} മിനിറ്റ് മാത്രമേ സാധുതയുള്ളൂ. ഇത് റിസപ്ഷനിൽ മാത്രം പറയുക.",
    subject: "നിങ്ങളുടെ {{ clinic_name }} സ്ഥിരീകരണ കോഡ്",
    greeting: "പ്രിയ {{ person_name }},",
    intro: "നിങ്ങളുടെ {{ clinic_name }} സ്ഥിരീകരണ കോഡ്:",
    expiry: "ഈ കോഡിന് {{ expiry_minutes }} മിനിറ്റ് മാത്രമേ സാധുതയുള്ളൂ.",
    share: "ഇത് ഞങ്ങളുടെ റിസപ്ഷൻ ജീവനക്കാരോട് മാത്രം പറയുക.",
    ignore: "നിങ്ങൾ ഈ കോഡ് ആവശ്യപ്പെട്ടിട്ടില്ലെങ്കിൽ, ഈ ഇമെയിൽ അവഗണിക്കാം.",
    regards: "ആശംസകളോടെ,",
};

fn for_language(language: &str) -> Option<&'static Defaults> {
    Some(match language {
        "en" => &EN,
        "hi" => &HI,
        "kn" => &KN,
        "ta" => &TA,
        "te" => &TE,
        "ml" => &ML,
        _ => return None,
    })
}

/// The shipped WhatsApp and SMS body.
pub(super) fn phone(language: &str, part: Part) -> Option<&'static str> {
    let d = for_language(language)?;
    (part == Part::Body).then_some(d.phone)
}

/// The shipped email parts.
pub(super) fn email(language: &str, part: Part) -> Option<&'static str> {
    let d = for_language(language)?;
    match part {
        Part::Subject => Some(d.subject),
        Part::Text => Some(d.text),
        Part::Html => Some(d.html),
        Part::Body => None,
    }
}
