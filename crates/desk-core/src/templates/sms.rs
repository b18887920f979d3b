//! How many SMS parts a text costs (3GPP TS 23.038 / 23.040). Providers bill per part, and a
//! code split over several parts can arrive out of order, so the admin screen shows the count.

use serde::Serialize;

/// The GSM 03.38 default alphabet, in table order, without 0x1B (the escape to the extension
/// table, which is not a character a message can contain).
const GSM7_BASIC: &str = concat!(
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
);

/// The extension table: each costs two septets (escape + character).
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

const GSM7_SINGLE: usize = 160;
const GSM7_MULTI: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_MULTI: usize = 67;

/// What the admin screen shows under an SMS or WhatsApp body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SmsInfo {
    /// "GSM-7" or "UCS-2".
    pub encoding: &'static str,
    /// Units counted against the limit: septets for GSM-7 (extension characters count 2),
    /// UTF-16 code units for UCS-2 (characters outside the BMP, such as emoji, count 2).
    pub characters: usize,
    /// 0 for an empty text.
    pub segments: usize,
    /// Capacity of each part: 160/70 when the text fits in one, 153/67 once it is split
    /// (the rest of each part carries the header that joins them).
    pub per_segment: usize,
}

fn gsm7_cost(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Parts needed when no character may straddle two parts: an escape pair or a surrogate pair
/// split across parts would show as garbage on the phone, so senders move it to the next part.
fn pack(costs: impl Iterator<Item = usize>, per_segment: usize) -> usize {
    let (mut segments, mut used) = (1, 0);
    for cost in costs {
        if used + cost > per_segment {
            segments += 1;
            used = 0;
        }
        used += cost;
    }
    segments
}

pub fn sms_info(text: &str) -> SmsInfo {
    let gsm: Option<Vec<usize>> = text.chars().map(gsm7_cost).collect();
    let (encoding, costs, single, multi) = match gsm {
        Some(costs) => ("GSM-7", costs, GSM7_SINGLE, GSM7_MULTI),
        None => ("UCS-2", text.chars().map(char::len_utf16).collect(), UCS2_SINGLE, UCS2_MULTI),
    };
    let characters: usize = costs.iter().sum();
    let (segments, per_segment) = if characters == 0 {
        (0, single)
    } else if characters <= single {
        (1, single)
    } else {
        (pack(costs.into_iter(), multi), multi)
    };
    SmsInfo { encoding, characters, segments, per_segment }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_the_standard_ones() {
        assert_eq!(GSM7_BASIC.chars().count(), 127, "128 positions less the escape");
        assert_eq!(GSM7_EXTENSION.chars().count(), 10);
    }

    #[test]
    fn gsm7_single_and_multipart() {
        let info = sms_info(&"a".repeat(160));
        assert_eq!(info, SmsInfo { encoding: "GSM-7", characters: 160, segments: 1, per_segment: 160 });
        let info = sms_info(&"a".repeat(161));
        assert_eq!(info, SmsInfo { encoding: "GSM-7", characters: 161, segments: 2, per_segment: 153 });
        assert_eq!(sms_info(&"a".repeat(306)).segments, 2);
        assert_eq!(sms_info(&"a".repeat(307)).segments, 3);
        assert_eq!(sms_info("").segments, 0);
    }

    #[test]
    fn extension_characters_count_double() {
        for c in ["€", "{", "}", "[", "]", "\\", "^", "~", "|"] {
            let info = sms_info(c);
            assert_eq!((info.encoding, info.characters), ("GSM-7", 2), "{c}");
        }
        // 80 € are 160 septets and fit one part; 81 are 162 and do not.
        assert_eq!(sms_info(&"€".repeat(80)).segments, 1);
        assert_eq!(sms_info(&"€".repeat(81)).characters, 162);
        assert_eq!(sms_info(&"€".repeat(81)).segments, 2);
        // 306 septets would be two parts of 153, but the € after 152 plain characters can't
        // be split, so it starts the second part and one character spills into a third.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        let info = sms_info(&text);
        assert_eq!((info.characters, info.segments), (306, 3));
    }

    #[test]
    fn accented_letters_in_the_table_stay_gsm7() {
        assert_eq!(sms_info("Café déjà vu £5 @ 10").encoding, "GSM-7");
        // ç is not in the table (only Ç is), so it switches the whole text to UCS-2.
        assert_eq!(sms_info("garçon").encoding, "UCS-2");
    }

    #[test]
    fn one_indic_character_makes_the_whole_text_ucs2() {
        let info = sms_info(&format!("{}क", "a".repeat(69)));
        assert_eq!(info, SmsInfo { encoding: "UCS-2", characters: 70, segments: 1, per_segment: 70 });
        let info = sms_info(&format!("{}क", "a".repeat(70)));
        assert_eq!(info, SmsInfo { encoding: "UCS-2", characters: 71, segments: 2, per_segment: 67 });
        assert_eq!(sms_info(&"क".repeat(134)).segments, 2);
        assert_eq!(sms_info(&"क".repeat(135)).segments, 3);
    }

    #[test]
    fn emoji_count_two_code_units_and_are_not_split() {
        let info = sms_info("🙂");
        assert_eq!((info.encoding, info.characters, info.segments), ("UCS-2", 2, 1));
        // 134 units would be two parts of 67, but the emoji after 66 units can't be split, so it
        // starts the second part and one unit spills into a third.
        let text = format!("{}🙂{}", "क".repeat(66), "क".repeat(66));
        let info = sms_info(&text);
        assert_eq!((info.characters, info.segments), (134, 3));
        assert_eq!(sms_info(&"🙂".repeat(35)).segments, 1, "70 units fit one part");
        assert_eq!(sms_info(&"🙂".repeat(36)).segments, 2);
    }
}
