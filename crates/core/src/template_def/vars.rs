//! Template variables: `{{1}}`, `{{2}}`… (positional) or `{{first_name}}` (named).
//!
//! [`scan`] finds every placeholder of a text and refuses malformed ones; [`variables`]
//! checks them against the template's parameter format: positional variables must be
//! numbered 1..n without gaps (a number may repeat), named ones must be `[a-z_][a-z0-9_]*`.

use std::collections::BTreeSet;

use super::definition::ParameterFormat;

/// One placeholder found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placeholder {
    /// `{{n}}`.
    Positional(u32),
    /// `{{name}}`.
    Named(String),
}

/// The variables of one text component, once checked against the parameter format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variables {
    /// `{{1}}` to `{{n}}`: `n` distinct variables (0 when the text has none).
    Positional(usize),
    /// Named variables, distinct, in order of first appearance.
    Named(Vec<String>),
}

impl Variables {
    /// The number of distinct variables, i.e. of parameters a send must give.
    pub fn count(&self) -> usize {
        match self {
            Variables::Positional(n) => *n,
            Variables::Named(names) => names.len(),
        }
    }

    /// The names, for named variables.
    pub fn names(&self) -> &[String] {
        match self {
            Variables::Positional(_) => &[],
            Variables::Named(names) => names,
        }
    }
}

/// A placeholder with the character offsets where it starts and ends (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The placeholder.
    pub placeholder: Placeholder,
    /// Character offset of the opening `{{`.
    pub start: usize,
    /// Character offset just after the closing `}}`.
    pub end: usize,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Finds every `{{…}}` placeholder of `text`. Refuses an unclosed `{{` and a placeholder
/// that is neither a number from 1 nor a lower-case name.
pub fn scan(text: &str) -> Result<Vec<Found>, String> {
    let chars: Vec<char> = text.chars().collect();
    let pair = |k: usize, c: char| {
        chars.get(k) == Some(&c) && k.checked_add(1).and_then(|n| chars.get(n)) == Some(&c)
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !pair(i, '{') {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 2;
        while j < chars.len() && !pair(j, '}') && !pair(j, '{') {
            j += 1;
        }
        if !pair(j, '}') {
            return Err(format!(
                "the `{{{{` at character {} is never closed; write variables as {{{{1}}}}, {{{{2}}}}, …",
                start + 1
            ));
        }
        let inner: String = chars.get(start + 2..j).unwrap_or_default().iter().collect();
        let placeholder = if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
            match inner.parse::<u32>() {
                Ok(n) if n >= 1 && !inner.starts_with('0') => Placeholder::Positional(n),
                _ => {
                    return Err(format!(
                        "`{{{{{inner}}}}}` is not a valid variable; number variables from {{{{1}}}} without leading zeros"
                    ))
                }
            }
        } else if is_name(&inner) {
            Placeholder::Named(inner)
        } else {
            return Err(format!(
                "`{{{{{inner}}}}}` is not a valid variable; use {{{{1}}}}, {{{{2}}}}, … or, with parameter_format NAMED, a name of lower-case letters, digits and _ such as {{{{first_name}}}}"
            ));
        };
        found.push(Found {
            placeholder,
            start,
            end: j + 2,
        });
        i = j + 2;
    }
    Ok(found)
}

/// Checks the placeholders of `text` against `format` and returns its variables.
pub fn variables(text: &str, format: ParameterFormat) -> Result<Variables, String> {
    let found = scan(text)?;
    match format {
        ParameterFormat::Positional => {
            let mut numbers = BTreeSet::new();
            for f in &found {
                match &f.placeholder {
                    Placeholder::Positional(n) => {
                        numbers.insert(*n);
                    }
                    Placeholder::Named(name) => {
                        return Err(format!(
                            "`{{{{{name}}}}}` is a named variable but parameter_format is POSITIONAL; use {{{{1}}}}, {{{{2}}}}, … or set parameter_format to NAMED"
                        ))
                    }
                }
            }
            let n = numbers.len();
            if let Some(missing) = (1..=n as u64).find(|k| !numbers.contains(&(*k as u32))) {
                let listed: Vec<String> = numbers.iter().map(|k| format!("{{{{{k}}}}}")).collect();
                return Err(format!(
                    "variables must be numbered {{{{1}}}} to {{{{{n}}}}} without gaps; found {} but no {{{{{missing}}}}}",
                    listed.join(", ")
                ));
            }
            Ok(Variables::Positional(n))
        }
        ParameterFormat::Named => {
            let mut names: Vec<String> = Vec::new();
            for f in &found {
                match &f.placeholder {
                    Placeholder::Named(name) => {
                        if !names.contains(name) {
                            names.push(name.clone());
                        }
                    }
                    Placeholder::Positional(k) => {
                        return Err(format!(
                            "`{{{{{k}}}}}` is a positional variable but parameter_format is NAMED; name it, e.g. {{{{first_name}}}}"
                        ))
                    }
                }
            }
            Ok(Variables::Named(names))
        }
    }
}

/// Replaces every placeholder of `text` with its value from `value_of` (the text as
/// WhatsApp renders it once the parameters are filled in). Malformed placeholders are left
/// as they are.
pub fn render(text: &str, value_of: impl Fn(&Placeholder) -> Option<String>) -> String {
    let Ok(found) = scan(text) else {
        return text.to_string();
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in found {
        out.extend(chars.get(at..f.start).unwrap_or_default());
        match value_of(&f.placeholder) {
            Some(v) => out.push_str(&v),
            None => out.extend(chars.get(f.start..f.end).unwrap_or_default()),
        }
        at = f.end;
    }
    out.extend(chars.get(at..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional() {
        let p = ParameterFormat::Positional;
        assert_eq!(variables("Hi", p), Ok(Variables::Positional(0)));
        assert_eq!(
            variables("Hi {{1}}, {{2}} and {{1}}", p),
            Ok(Variables::Positional(2))
        );
        assert!(variables("Hi {{2}}", p).is_err());
        assert!(variables("Hi {{1}} {{3}}", p).is_err());
        assert!(variables("Hi {{0}}", p).is_err());
        assert!(variables("Hi {{01}}", p).is_err());
        assert!(variables("Hi {{ 1 }}", p).is_err());
        assert!(variables("Hi {{1}", p).is_err());
        assert!(variables("Hi {{name}}", p).is_err());
        assert!(variables("Hi {{99999999999}}", p).is_err());
        assert_eq!(variables("a { b } c }}", p), Ok(Variables::Positional(0)));
    }

    #[test]
    fn named() {
        let n = ParameterFormat::Named;
        assert_eq!(
            variables("Hi {{first_name}}, order {{order_id}} {{first_name}}", n),
            Ok(Variables::Named(vec![
                "first_name".into(),
                "order_id".into()
            ]))
        );
        assert!(variables("Hi {{1}}", n).is_err());
        assert!(variables("Hi {{First}}", n).is_err());
    }

    #[test]
    fn renders() {
        let out = render("Hi {{1}}, é {{2}}!", |p| match p {
            Placeholder::Positional(1) => Some("Ann".into()),
            _ => None,
        });
        assert_eq!(out, "Hi Ann, é {{2}}!");
        assert_eq!(render("x {{", |_| None), "x {{");
    }
}
