//! Spintax: `{Hi|Hello|Hey}` picks one alternative, groups nest (`{a|{b|c}}`).
//!
//! Rules:
//! - A group is a matched `{…}` with at least one `|` at its own level; each `|` separates
//!   alternatives, which may be empty (`{|!}`) and may hold further groups.
//! - Braces without a `|` at their level are text (`{code}` stays `{code}`; what is inside
//!   is still processed, so `{x {a|b}}` gives `{x a}` or `{x b}`). An unmatched `{` or `}`
//!   and a `|` outside any group are text too. Nothing is an error and nothing panics.
//! - Groups nested deeper than [`MAX_DEPTH`] are kept as written.
//!
//! Randomness comes from the caller, as a *picker* `FnMut(n) -> index`, so rendering stays
//! pure and testable; an index out of range is taken modulo `n`. [`seeded_picker`] makes a
//! deterministic one from a seed (the message id's hash, say).

/// Groups nested deeper than this are rendered as written.
pub const MAX_DEPTH: usize = 16;

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Text(String),
    Choice(Vec<Vec<Node>>),
}

/// For each byte that is a `{` or `}`, the index of its partner, if matched.
fn partners(bytes: &[u8]) -> Vec<Option<usize>> {
    let mut out = vec![None; bytes.len()];
    let mut open = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' => open.push(i),
            b'}' => {
                if let Some(o) = open.pop() {
                    out[o] = Some(i);
                    out[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    out
}

fn parse(template: &str) -> Vec<Node> {
    let bytes = template.as_bytes();
    let pairs = partners(bytes);
    let mut p = Parser {
        src: template,
        bytes,
        pairs: &pairs,
    };
    p.seq(0, bytes.len(), 0)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pairs: &'a [Option<usize>],
}

impl Parser<'_> {
    /// The partner of an opening brace at `i`, if `i` is one.
    fn closing(&self, i: usize) -> Option<usize> {
        match (self.bytes.get(i), self.pairs.get(i)) {
            (Some(b'{'), Some(Some(j))) if *j > i => Some(*j),
            _ => None,
        }
    }

    /// Parses `src[start..end]`. Every boundary used is next to an ASCII brace or bar, so
    /// slicing never splits a character.
    fn seq(&mut self, start: usize, end: usize, depth: usize) -> Vec<Node> {
        let mut nodes = Vec::new();
        let mut text_start = start;
        let mut i = start;
        while i < end {
            let Some(j) = self.closing(i).filter(|j| *j < end) else {
                i += 1;
                continue;
            };
            push_text(&mut nodes, &self.src[text_start..i]);
            if depth >= MAX_DEPTH {
                push_text(&mut nodes, &self.src[i..=j]);
            } else {
                let bars = self.top_level_bars(i + 1, j);
                if bars.is_empty() {
                    push_text(&mut nodes, "{");
                    for n in self.seq(i + 1, j, depth + 1) {
                        match n {
                            Node::Text(t) => push_text(&mut nodes, &t),
                            choice => nodes.push(choice),
                        }
                    }
                    push_text(&mut nodes, "}");
                } else {
                    let mut alts = Vec::with_capacity(bars.len() + 1);
                    let mut a = i + 1;
                    for b in bars.into_iter().chain(std::iter::once(j)) {
                        alts.push(self.seq(a, b, depth + 1));
                        a = b + 1;
                    }
                    nodes.push(Node::Choice(alts));
                }
            }
            i = j + 1;
            text_start = i;
        }
        push_text(&mut nodes, &self.src[text_start..end]);
        nodes
    }

    /// Positions of `|` in `start..end` outside any nested matched group.
    fn top_level_bars(&self, start: usize, end: usize) -> Vec<usize> {
        let mut bars = Vec::new();
        let mut i = start;
        while i < end {
            if let Some(j) = self.closing(i) {
                i = j + 1;
                continue;
            }
            if self.bytes[i] == b'|' {
                bars.push(i);
            }
            i += 1;
        }
        bars
    }
}

/// Appends text, merging with a preceding text node.
fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Node::Text(prev)) = nodes.last_mut() {
        prev.push_str(text);
    } else {
        nodes.push(Node::Text(text.to_string()));
    }
}

/// Renders `template`, choosing each group's alternative with `pick(n)` (an index below `n`;
/// larger values are taken modulo `n`).
pub fn render(template: &str, pick: &mut dyn FnMut(usize) -> usize) -> String {
    let mut out = String::with_capacity(template.len());
    render_seq(&parse(template), pick, &mut out);
    out
}

fn render_seq(nodes: &[Node], pick: &mut dyn FnMut(usize) -> usize, out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Choice(alts) => {
                if alts.is_empty() {
                    continue;
                }
                let k = pick(alts.len()) % alts.len();
                if let Some(alt) = alts.get(k) {
                    render_seq(alt, pick, out);
                }
            }
        }
    }
}

/// Every distinct text `template` can render to, in order (first alternatives first), at most
/// `limit` of them. Work is bounded by `limit` per group, whatever the template.
pub fn variants(template: &str, limit: usize) -> Vec<String> {
    let mut all = seq_variants(&parse(template), limit);
    let mut seen = std::collections::HashSet::new();
    all.retain(|v| seen.insert(v.clone()));
    all
}

fn seq_variants(nodes: &[Node], limit: usize) -> Vec<String> {
    let mut acc = vec![String::new()];
    for n in nodes {
        let options = match n {
            Node::Text(t) => vec![t.clone()],
            Node::Choice(alts) => {
                let mut opts = Vec::new();
                for alt in alts {
                    if opts.len() >= limit {
                        break;
                    }
                    let room = limit - opts.len();
                    opts.extend(seq_variants(alt, room));
                }
                opts
            }
        };
        let mut next = Vec::with_capacity(acc.len().saturating_mul(options.len()).min(limit));
        'outer: for a in &acc {
            for o in &options {
                if next.len() >= limit {
                    break 'outer;
                }
                next.push(format!("{a}{o}"));
            }
        }
        acc = next;
    }
    acc
}

/// How many renderings `template` has, counting duplicates (`{a|a}` counts 2), saturating
/// at `u64::MAX`. 1 for plain text.
pub fn variant_count(template: &str) -> u64 {
    seq_count(&parse(template))
}

fn seq_count(nodes: &[Node]) -> u64 {
    nodes.iter().fold(1u64, |acc, n| match n {
        Node::Text(_) => acc,
        Node::Choice(alts) => acc.saturating_mul(
            alts.iter()
                .fold(0u64, |s, alt| s.saturating_add(seq_count(alt))),
        ),
    })
}

/// A deterministic picker from a seed (SplitMix64), for callers that want a reproducible
/// choice, e.g. seeded by the inbound message id.
pub fn seeded_picker(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        if n == 0 {
            0
        } else {
            (z % n as u64) as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(t: &str) -> String {
        render(t, &mut |_| 0)
    }

    fn last(t: &str) -> String {
        render(t, &mut |n| n - 1)
    }

    #[test]
    fn picks_and_nests() {
        assert_eq!(first("{Hi|Hello} there"), "Hi there");
        assert_eq!(last("{Hi|Hello} there"), "Hello there");
        assert_eq!(last("{a|b|{c|d}}"), "d");
        assert_eq!(render("{a|b|{c|d}}", &mut |n| n + 2), "c");
        assert_eq!(first("{|!}x"), "x");
        assert_eq!(
            variants("{Hi|Hello} [name]{!|.}", 100),
            ["Hi [name]!", "Hi [name].", "Hello [name]!", "Hello [name]."]
        );
        assert_eq!(variant_count("{a|b|{c|d}}{x|y}"), 8);
        assert_eq!(variants("{a|a}", 10), ["a"]);
        assert_eq!(variant_count("{a|a}"), 2);
    }

    #[test]
    fn literal_braces() {
        for t in [
            "{code}",
            "{",
            "}",
            "a}b{c",
            "x | y",
            "{a|b",
            "a|b}",
            "{{}}",
            "{}",
            "{\"k\":1}",
        ] {
            assert_eq!(first(t), t);
            assert_eq!(variants(t, 10), [t]);
            assert_eq!(variant_count(t), 1);
        }
        assert_eq!(first("{x {a|b}}"), "{x a}");
        assert_eq!(first("{{a|b}"), "{a");
        assert_eq!(last("{a|b}}"), "b}");
        assert_eq!(first("é{ü|ö}ß"), "éüß");
    }

    #[test]
    fn bounded() {
        let deep = format!("{}x{}", "{a|".repeat(100), "}".repeat(100));
        assert_eq!(first(&deep), "a");
        let kept = format!(
            "{}x{}",
            "{a|".repeat(100 - MAX_DEPTH),
            "}".repeat(100 - MAX_DEPTH)
        );
        assert_eq!(last(&deep), kept);
        let wide = "{a|b}".repeat(64);
        assert_eq!(variant_count(&wide), u64::MAX);
        assert_eq!(variants(&wide, 50).len(), 50);
        let nested = "{".repeat(10_000) + &"}".repeat(10_000);
        assert_eq!(first(&nested), nested);
    }

    #[test]
    fn seeded_is_deterministic_and_in_range() {
        let mut a = seeded_picker(7);
        let mut b = seeded_picker(7);
        for n in 1..200 {
            let x = a(n);
            assert_eq!(x, b(n));
            assert!(x < n);
        }
        assert_eq!(seeded_picker(1)(0), 0);
    }
}
