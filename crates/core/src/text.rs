//! Text normalization shared by storage and search, so that what is indexed and
//! what is typed fold the same way: Unicode NFKD, combining marks removed, a few
//! letters without decompositions mapped (ø, ł, ß, æ, …), lower-cased.
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Case- and accent-folded form of `s`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ħ' | 'Ħ' => out.push('h'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Folded, letters and digits only: `"O'Brien-Smith"` -> `"obriensmith"`.
pub fn compact(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Search tokens of a name: each whitespace-separated word compacted, plus the
/// parts of words joined by punctuation (`o'brien` -> `obrien`, `o`, `brien`).
pub fn name_tokens(names: &[&str]) -> Vec<String> {
    let mut tokens = Vec::new();
    for name in names {
        for word in fold(name).split_whitespace() {
            let whole: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
            tokens.push(whole);
            let parts: Vec<&str> = word
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .collect();
            if parts.len() > 1 {
                tokens.extend(parts.iter().map(|p| p.to_string()));
            }
        }
    }
    tokens.retain(|t| !t.is_empty());
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Only the ASCII digits of `s` (phone numbers).
pub fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Exclusive upper bound of the range of strings starting with `prefix`.
pub fn prefix_end(prefix: &str) -> String {
    let mut end = String::with_capacity(prefix.len() + 4);
    end.push_str(prefix);
    end.push(char::MAX);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("José ÁLVAREZ"), "jose alvarez");
        assert_eq!(fold("Søren Łukasz Straße"), "soren lukasz strasse");
        assert_eq!(fold("Nguyễn"), "nguyen");
    }

    #[test]
    fn tokens_cover_compound_names() {
        let t = name_tokens(&["Mary-Jane", "O'Brien"]);
        for want in ["maryjane", "mary", "jane", "obrien", "o", "brien"] {
            assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
        }
    }

    #[test]
    fn prefix_end_bounds_every_extension() {
        let end = prefix_end("jo");
        assert!("jo" < end.as_str());
        assert!("jozzzz\u{FFFF}" < end.as_str());
        assert!("jp" > end.as_str());
    }
}
