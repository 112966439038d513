//! Text folding for matching: case, accents, whitespace and keyword punctuation.

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Removes accents: canonical decomposition (NFD), then every combining mark dropped
/// (`Café` → `Cafe`, `ARRÊT` → `ARRET`). Letters without a decomposition (`ø`, `ß`) stay.
pub fn strip_accents(text: &str) -> String {
    text.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// Trims and collapses every run of whitespace to one space.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds `text` for a keyword comparison: whitespace collapsed, then lower-cased and
/// accent-stripped as asked.
pub fn fold(text: &str, case_insensitive: bool, accent_insensitive: bool) -> String {
    let mut out = collapse_whitespace(text);
    if accent_insensitive {
        out = strip_accents(&out);
    }
    if case_insensitive {
        out = out.to_lowercase();
    }
    out
}

/// The form opt-out and opt-in keywords are compared in: accents stripped, lower case, and
/// only letters and digits kept, so `Stop!`, ` stop `, `STOP.` and `Arrêt` match `STOP` and
/// `ARRET`, and `opt-out` matches `OPT OUT`.
pub fn keyword_key(text: &str) -> String {
    strip_accents(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds() {
        assert_eq!(strip_accents("Café ARRÊT ñ"), "Cafe ARRET n");
        assert_eq!(collapse_whitespace("  a \t b\n"), "a b");
        assert_eq!(fold(" Menú  Principal ", true, true), "menu principal");
        assert_eq!(fold("Menú", false, false), "Menú");
        assert_eq!(keyword_key(" Arrêt! "), "arret");
        assert_eq!(keyword_key("Opt-Out"), "optout");
        assert_eq!(keyword_key("!!!"), "");
    }
}
