//! The language and locale codes WhatsApp templates support (Meta's "Supported languages"
//! page, as listed by pywa's `TemplateLanguage`), and the code format `ll`, `lll`, `ll_CC`
//! or `lll_CC`.

/// Every supported code, sorted for binary search.
pub const SUPPORTED_LANGUAGES: &[&str] = &[
    "af", "ar", "ar_AE", "ar_EG", "ar_LB", "ar_MA", "ar_QA", "ar_SA", "az", "be_BY", "bg", "bn",
    "bn_IN", "ca", "cs", "da", "de", "de_AT", "de_CH", "el", "en", "en_AE", "en_AU", "en_CA",
    "en_GB", "en_GH", "en_IE", "en_IN", "en_JM", "en_MY", "en_NZ", "en_QA", "en_SG", "en_UG",
    "en_US", "en_ZA", "es", "es_AR", "es_CL", "es_CO", "es_CR", "es_DO", "es_EC", "es_ES", "es_HN",
    "es_MX", "es_PA", "es_PE", "es_UY", "es_VE", "et", "fa", "fi", "fil", "fr", "fr_BE", "fr_CA",
    "fr_CH", "fr_CI", "fr_MA", "ga", "gu", "ha", "he", "hi", "hr", "hu", "id", "it", "ja", "ka",
    "kk", "kn", "ko", "ky_KG", "lo", "lt", "lv", "mk", "ml", "mr", "ms", "nb", "nl", "nl_BE", "pa",
    "pl", "prs_AF", "ps_AF", "pt_BR", "pt_PT", "ro", "ru", "rw_RW", "si_LK", "sk", "sl", "sq",
    "sr", "sv", "sw", "ta", "te", "th", "tr", "uk", "ur", "uz", "vi", "zh_CN", "zh_HK", "zh_TW",
    "zu",
];

/// Whether `code` has the shape of a template language code: two or three lower-case
/// letters, optionally `_` and two upper-case letters (`en`, `fil`, `en_US`, `prs_AF`).
pub fn is_language_code_format(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Whether `code` is a language WhatsApp templates support.
pub fn is_supported_language(code: &str) -> bool {
    SUPPORTED_LANGUAGES.binary_search(&code).is_ok()
}

/// Supported codes of the same language as `code` (e.g. `en_UK` → `en`, `en_GB`, …).
pub fn similar_languages(code: &str) -> Vec<&'static str> {
    let lang = code.split('_').next().unwrap_or(code).to_ascii_lowercase();
    SUPPORTED_LANGUAGES
        .iter()
        .copied()
        .filter(|c| c.split('_').next() == Some(lang.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_formatted() {
        assert!(SUPPORTED_LANGUAGES.windows(2).all(|w| w[0] < w[1]));
        assert!(SUPPORTED_LANGUAGES
            .iter()
            .all(|c| is_language_code_format(c)));
    }

    #[test]
    fn codes() {
        assert!(is_supported_language("en_US"));
        assert!(is_supported_language("fil"));
        assert!(!is_supported_language("en_UK"));
        assert!(is_language_code_format("en_UK"));
        assert!(!is_language_code_format("en-US"));
        assert!(!is_language_code_format("EN"));
        assert!(!is_language_code_format("en_us"));
        assert!(!is_language_code_format("e"));
        assert!(!is_language_code_format(""));
        assert!(similar_languages("en_UK").contains(&"en_GB"));
        assert!(similar_languages("xx").is_empty());
    }
}
