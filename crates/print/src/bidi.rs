//! Right-to-left text on a left-to-right page: a minimal Arabic shaper and
//! visual reordering, so Arabic, Persian and Hebrew names print joined and in
//! the right order with a font that has no shaping engine behind it.
//!
//! Arabic letters become their Unicode presentation forms (isolated, final,
//! initial, medial; lam-alef ligatures) by their joining neighbours; then each
//! right-to-left run of a line (from a strong RTL letter to the last one before
//! a strong LTR letter or the end, with the spaces, punctuation, digits and
//! marks inside it) is reversed by clusters (a base and its combining marks),
//! numbers inside it keeping their own order and brackets mirrored.
//!
//! Invariants: a line without RTL letters comes back unchanged; a presentation
//! form the font lacks is left as the base letter; this is not the full
//! Unicode bidirectional algorithm (no explicit embeddings, paragraph
//! direction is always left-to-right), which is enough for names, addresses
//! and references on a left-to-right document.

/// How an Arabic letter joins: to the right only (R) or both ways (D).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Joining {
    Right,
    Dual,
}

/// Base letter → its isolated presentation form (the next codepoints are the
/// final, then for dual-joining letters the initial and medial forms).
#[rustfmt::skip]
const FORMS: &[(char, char, Joining)] = &[
    ('\u{0622}', '\u{FE81}', Joining::Right), ('\u{0623}', '\u{FE83}', Joining::Right),
    ('\u{0624}', '\u{FE85}', Joining::Right), ('\u{0625}', '\u{FE87}', Joining::Right),
    ('\u{0626}', '\u{FE89}', Joining::Dual), ('\u{0627}', '\u{FE8D}', Joining::Right),
    ('\u{0628}', '\u{FE8F}', Joining::Dual), ('\u{0629}', '\u{FE93}', Joining::Right),
    ('\u{062A}', '\u{FE95}', Joining::Dual), ('\u{062B}', '\u{FE99}', Joining::Dual),
    ('\u{062C}', '\u{FE9D}', Joining::Dual), ('\u{062D}', '\u{FEA1}', Joining::Dual),
    ('\u{062E}', '\u{FEA5}', Joining::Dual), ('\u{062F}', '\u{FEA9}', Joining::Right),
    ('\u{0630}', '\u{FEAB}', Joining::Right), ('\u{0631}', '\u{FEAD}', Joining::Right),
    ('\u{0632}', '\u{FEAF}', Joining::Right), ('\u{0633}', '\u{FEB1}', Joining::Dual),
    ('\u{0634}', '\u{FEB5}', Joining::Dual), ('\u{0635}', '\u{FEB9}', Joining::Dual),
    ('\u{0636}', '\u{FEBD}', Joining::Dual), ('\u{0637}', '\u{FEC1}', Joining::Dual),
    ('\u{0638}', '\u{FEC5}', Joining::Dual), ('\u{0639}', '\u{FEC9}', Joining::Dual),
    ('\u{063A}', '\u{FECD}', Joining::Dual), ('\u{0641}', '\u{FED1}', Joining::Dual),
    ('\u{0642}', '\u{FED5}', Joining::Dual), ('\u{0643}', '\u{FED9}', Joining::Dual),
    ('\u{0644}', '\u{FEDD}', Joining::Dual), ('\u{0645}', '\u{FEE1}', Joining::Dual),
    ('\u{0646}', '\u{FEE5}', Joining::Dual), ('\u{0647}', '\u{FEE9}', Joining::Dual),
    ('\u{0648}', '\u{FEED}', Joining::Right), ('\u{0649}', '\u{FEEF}', Joining::Right),
    ('\u{064A}', '\u{FEF1}', Joining::Dual),
    // Persian and Urdu letters (Presentation Forms-A).
    ('\u{067E}', '\u{FB56}', Joining::Dual), ('\u{0686}', '\u{FB7A}', Joining::Dual),
    ('\u{0698}', '\u{FB8A}', Joining::Right), ('\u{06A9}', '\u{FB8E}', Joining::Dual),
    ('\u{06AF}', '\u{FB92}', Joining::Dual), ('\u{06CC}', '\u{FBFC}', Joining::Dual),
];

/// Lam + this alef → the ligature's isolated form (final is the next one).
const LAM_ALEF: &[(char, char)] = &[
    ('\u{0622}', '\u{FEF5}'),
    ('\u{0623}', '\u{FEF7}'),
    ('\u{0625}', '\u{FEF9}'),
    ('\u{0627}', '\u{FEFB}'),
];

const LAM: char = '\u{0644}';
const TATWEEL: char = '\u{0640}';

fn joining(c: char) -> Option<Joining> {
    if c == TATWEEL {
        return Some(Joining::Dual);
    }
    FORMS.iter().find(|f| f.0 == c).map(|f| f.2)
}

/// Combining marks (Arabic harakat, Hebrew points, Latin diacritics): they
/// stay with their base and do not break joining.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}'
        | '\u{05C4}'..='\u{05C5}' | '\u{05C7}' | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}' | '\u{06E7}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

fn is_rtl(c: char) -> bool {
    !is_mark(c)
        && !is_number(c)
        && matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

fn is_number(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}')
}

fn is_ltr(c: char) -> bool {
    c.is_alphabetic() && !is_rtl(c) && !is_mark(c)
}

/// Whether a line needs this module at all.
pub(crate) fn has_rtl(text: &str) -> bool {
    text.chars().any(is_rtl)
}

/// Arabic letters to their presentation forms (logical order kept).
fn shape(chars: &[char], covers: &dyn Fn(char) -> bool) -> Vec<char> {
    // The joining letter before / after position i, skipping marks.
    let prev = |i: usize| chars[..i].iter().rev().find(|c| !is_mark(**c)).copied();
    let next = |i: usize| chars[i + 1..].iter().find(|c| !is_mark(**c)).copied();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some(kind) = joining(c).filter(|_| c != TATWEEL) else {
            out.push(c);
            i += 1;
            continue;
        };
        let joins_prev = prev(i).and_then(joining) == Some(Joining::Dual);
        // Lam followed (marks aside) by an alef: one ligature glyph.
        if c == LAM {
            let alef_at = (i + 1..chars.len()).find(|j| !is_mark(chars[*j]));
            if let Some(j) = alef_at {
                if let Some((_, isolated)) = LAM_ALEF.iter().find(|l| l.0 == chars[j]) {
                    let form = char::from_u32(*isolated as u32 + u32::from(joins_prev));
                    if let Some(form) = form.filter(|f| covers(*f)) {
                        // The lam's marks, if any, follow the ligature.
                        out.push(form);
                        out.extend(&chars[i + 1..j]);
                        i = j + 1;
                        continue;
                    }
                }
            }
        }
        let joins_next = kind == Joining::Dual && next(i).and_then(joining).is_some();
        let offset = match (joins_prev, joins_next) {
            (false, false) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (true, true) => 3,
        };
        let isolated = FORMS.iter().find(|f| f.0 == c).map_or(c, |f| f.1);
        let form = char::from_u32(isolated as u32 + offset).filter(|f| covers(*f));
        out.push(form.unwrap_or(c));
        i += 1;
    }
    out
}

fn mirror(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        c => c,
    }
}

/// Reverses one RTL run for display: clusters (base + marks) in reverse
/// order, numbers (digits with `.`/`,` between them) kept left to right.
fn reverse_run(run: &[char]) -> Vec<char> {
    // Split into units: a number, or a base with its marks.
    let mut units: Vec<Vec<char>> = Vec::new();
    let mut i = 0;
    while i < run.len() {
        let start = i;
        if is_number(run[i]) {
            i += 1;
            while i < run.len()
                && (is_number(run[i])
                    || (matches!(run[i], '.' | ',')
                        && run.get(i + 1).is_some_and(|c| is_number(*c))))
            {
                i += 1;
            }
        } else {
            i += 1;
            while i < run.len() && is_mark(run[i]) {
                i += 1;
            }
        }
        let mut unit: Vec<char> = run[start..i].to_vec();
        if unit.len() == 1 {
            unit[0] = mirror(unit[0]);
        }
        units.push(unit);
    }
    units.into_iter().rev().flatten().collect()
}

/// One line in display (visual) order, Arabic shaped. `covers` says whether
/// the font has a glyph for a presentation form.
pub(crate) fn visual(line: &str, covers: &dyn Fn(char) -> bool) -> String {
    if !has_rtl(line) {
        return line.to_owned();
    }
    let chars: Vec<char> = line.chars().collect();
    let shaped = shape(&chars, covers);
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < shaped.len() {
        if !is_rtl(shaped[i]) {
            out.push(shaped[i]);
            i += 1;
            continue;
        }
        // The run ends at its last RTL letter before a strong LTR letter.
        let mut end = i + 1;
        let mut j = i + 1;
        while j < shaped.len() && !is_ltr(shaped[j]) {
            if is_rtl(shaped[j]) {
                end = j + 1;
            }
            j += 1;
        }
        while end < shaped.len() && is_mark(shaped[end]) {
            end += 1;
        }
        // A closing bracket whose opening one is inside the run belongs to it.
        let opens = shaped[i..end]
            .iter()
            .filter(|c| matches!(c, '(' | '[' | '{'))
            .count();
        let mut closes = shaped[i..end]
            .iter()
            .filter(|c| matches!(c, ')' | ']' | '}'))
            .count();
        while end < shaped.len() && matches!(shaped[end], ')' | ']' | '}') && opens > closes {
            end += 1;
            closes += 1;
        }
        out.extend(reverse_run(&shaped[i..end]));
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: char) -> bool {
        true
    }

    #[test]
    fn latin_text_is_untouched() {
        assert_eq!(
            visual("Amara Okafor (MRN 12)", &all),
            "Amara Okafor (MRN 12)"
        );
    }

    #[test]
    fn arabic_letters_join_and_the_run_reverses() {
        // فاطمة: feh init, alef final, tah init, meem medi, teh marbuta final.
        let shaped = visual("فاطمة", &all);
        assert_eq!(shaped, "\u{FE94}\u{FEE4}\u{FEC3}\u{FE8E}\u{FED3}");
        // Lam-alef becomes one ligature; a word boundary breaks joining.
        assert_eq!(visual("لا", &all), "\u{FEFB}");
        assert_eq!(visual("سلام", &all), "\u{FEE1}\u{FEFC}\u{FEB3}");
        // Without the presentation forms in the font, base letters remain.
        assert_eq!(visual("لا", &|_| false), "\u{0627}\u{0644}");
    }

    #[test]
    fn numbers_and_latin_keep_their_order_inside_rtl_text() {
        assert_eq!(visual("שלום 123 (א)", &all), "(א) 123 םולש");
        assert_eq!(visual("Ward ב 12", &all), "Ward ב 12");
        assert_eq!(visual("Name: אבג, Room 4", &all), "Name: גבא, Room 4");
    }
}
