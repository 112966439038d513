//! `parse_mode` checks: the text's length after entity parsing, and Telegram's `can't parse
//! entities` errors for HTML, MarkdownV2 and legacy Markdown. A light parser: it finds what
//! Telegram refuses (unsupported or unbalanced tags, unclosed entities, unescaped reserved
//! characters) without building entities.

/// Tags Telegram's HTML accepts.
const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

/// Characters MarkdownV2 reserves outside entities.
const RESERVED: &[char] = &[
    '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!',
];

/// The visible length (characters) of `text` under `parse_mode`, or the error after `can't
/// parse entities: `. An unknown parse mode is Telegram's `unsupported parse_mode`.
pub(crate) fn visible_len(text: &str, parse_mode: Option<&str>) -> Result<usize, String> {
    match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(text.chars().count()),
        Some("html") => html(text),
        Some("markdownv2") => markdown(text, true),
        Some("markdown") => markdown(text, false),
        Some(_) => Err("unsupported parse_mode".to_string()),
    }
}

fn html(text: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut visible = 0;
    let mut rest = text.char_indices().peekable();
    while let Some((i, c)) = rest.next() {
        match c {
            '<' => {
                let end = text[i..]
                    .find('>')
                    .map(|e| i + e)
                    .ok_or_else(|| format!("Unclosed start tag at byte offset {i}"))?;
                let inner = &text[i + 1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match stack.pop() {
                        Some(open) if open == name => {}
                        Some(open) => {
                            return Err(format!(
                                "Unmatched end tag at byte offset {i}, expected \"</{open}>\", found \"</{name}>\""
                            ))
                        }
                        None => return Err(format!("Unexpected end tag at byte offset {i}")),
                    }
                } else {
                    let name = inner
                        .split(|c: char| c.is_whitespace() || c == '/')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if !HTML_TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "Unsupported start tag \"{name}\" at byte offset {i}"
                        ));
                    }
                    stack.push(name);
                }
                while rest.peek().is_some_and(|(j, _)| *j <= end) {
                    rest.next();
                }
            }
            '&' => {
                let entity = text[i + 1..]
                    .find(';')
                    .filter(|e| *e <= 10)
                    .map(|e| &text[i + 1..i + 1 + e])
                    .filter(|name| {
                        matches!(*name, "lt" | "gt" | "amp" | "quot")
                            || name.strip_prefix('#').is_some_and(|n| {
                                !n.is_empty()
                                    && (n.bytes().all(|b| b.is_ascii_digit())
                                        || n.strip_prefix(['x', 'X']).is_some_and(|h| {
                                            !h.is_empty()
                                                && h.bytes().all(|b| b.is_ascii_hexdigit())
                                        }))
                            })
                    });
                if let Some(name) = entity {
                    let end = i + 1 + name.len();
                    while rest.peek().is_some_and(|(j, _)| *j <= end) {
                        rest.next();
                    }
                }
                visible += 1;
            }
            _ => visible += 1,
        }
    }
    match stack.last() {
        Some(open) => Err(format!(
            "Can't find end tag corresponding to start tag {open}"
        )),
        None => Ok(visible),
    }
}

fn markdown(text: &str, v2: bool) -> Result<usize, String> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut visible = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && v2 {
            if chars.next().is_some() {
                visible += 1;
            }
            continue;
        }
        let in_code = open.last().is_some_and(|(k, _)| *k == '`');
        if in_code && c != '`' {
            visible += 1;
            continue;
        }
        match c {
            '*' | '_' | '~' | '`' | '|' if v2 || matches!(c, '*' | '_' | '`') => {
                if c == '|' && chars.peek().map(|(_, n)| *n) != Some('|') {
                    return Err(reserved(c));
                }
                if c == '|' {
                    chars.next();
                }
                match open.last() {
                    Some((k, _)) if *k == c => {
                        open.pop();
                    }
                    _ => open.push((c, i)),
                }
            }
            '[' => open.push(('[', i)),
            ']' if open.last().is_some_and(|(k, _)| *k == '[') => {
                open.pop();
                if chars.peek().map(|(_, n)| *n) == Some('(') {
                    let mut closed = false;
                    for (_, u) in chars.by_ref() {
                        if u == ')' {
                            closed = true;
                            break;
                        }
                    }
                    if !closed {
                        return Err(format!("Can't find end of a URL at byte offset {}", i + 1));
                    }
                }
            }
            c if v2 && RESERVED.contains(&c) => return Err(reserved(c)),
            _ => visible += 1,
        }
    }
    match open.last() {
        Some((_, at)) => Err(format!(
            "Can't find end of the entity starting at byte offset {at}"
        )),
        None => Ok(visible),
    }
}

fn reserved(c: char) -> String {
    format!("Character '{c}' is reserved and must be escaped with the preceding '\\'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_counts_characters() {
        assert_eq!(visible_len("héllo", None), Ok(5));
        assert!(visible_len("x", Some("Pig Latin")).is_err());
    }

    #[test]
    fn html() {
        assert_eq!(
            visible_len("<b>bold</b> &amp; <a href=\"x\">l</a>", Some("HTML")),
            Ok(8)
        );
        assert_eq!(visible_len("a &lt; b &#65; &unknown", Some("HTML")), Ok(16));
        assert_eq!(
            visible_len("<b>x", Some("HTML")),
            Err("Can't find end tag corresponding to start tag b".into())
        );
        assert_eq!(
            visible_len("x <div>y</div>", Some("HTML")),
            Err("Unsupported start tag \"div\" at byte offset 2".into())
        );
        assert_eq!(
            visible_len("<b><i>x</b></i>", Some("HTML")),
            Err("Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\"".into())
        );
        assert_eq!(
            visible_len("a < b", Some("HTML")),
            Err("Unclosed start tag at byte offset 2".into())
        );
    }

    #[test]
    fn markdown_v2() {
        assert_eq!(
            visible_len("*bold* _it_ \\. [l](https://x.y/a_b)", Some("MarkdownV2")),
            Ok(11)
        );
        assert_eq!(visible_len("`a.b` ||s||", Some("MarkdownV2")), Ok(5));
        assert_eq!(
            visible_len("Price: 10.5", Some("MarkdownV2")),
            Err("Character '.' is reserved and must be escaped with the preceding '\\'".into())
        );
        assert_eq!(
            visible_len("a *bold", Some("MarkdownV2")),
            Err("Can't find end of the entity starting at byte offset 2".into())
        );
        assert_eq!(visible_len("1.5 - ok!", Some("Markdown")), Ok(9));
        assert!(visible_len("_open", Some("Markdown")).is_err());
    }
}
