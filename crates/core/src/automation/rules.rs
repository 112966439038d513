//! Keyword rules: what an inbound text or button tap must look like for a rule to answer,
//! their validation, and finding the rule that answers.
//!
//! Matching:
//! - **Text**, by `match_kind`: `exact` (the whole message), `contains` (anywhere, also
//!   inside words: `hi` is in `this`; use a regex with `\b` for words), `starts_with`,
//!   `regex` (the [`regex`] crate's syntax, linear-time, size-limited). Exact, contains and
//!   starts-with ignore surrounding whitespace and compare runs of whitespace as one space.
//!   `case_insensitive` (default on) ignores case; `accent_insensitive` (default on) strips
//!   accents from the pattern and the text first (`menu` matches `Menú`).
//! - **Button and list replies**: an inbound `interactive.button_reply.id`,
//!   `interactive.list_reply.id` or quick-reply `button.payload` matches a rule of any kind
//!   whose pattern equals the id exactly (after trimming), so a menu's buttons lead to the
//!   rules named by their ids. The button's title is text and can match text rules too.
//! - **Steps**: a rule with `only_in_step` answers only while the contact is in that step;
//!   a rule without it answers in any step. See [`RuleSet::find`] for the order.

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::FieldErrors;
use super::normalize::{fold, strip_accents};
use super::reply::validate_reply;

/// The longest pattern, in characters (a button id is at most 256).
pub const PATTERN_MAX: usize = 512;
/// The longest rule id, tag and step name, in characters.
pub const NAME_MAX: usize = 64;
/// The most tags one rule adds.
pub const TAGS_MAX: usize = 20;
/// The compiled size limit of one regex, in bytes.
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// The lazy DFA cache limit of one regex, in bytes.
pub const REGEX_DFA_SIZE_LIMIT: usize = 1024 * 1024;
/// The deepest nesting of a regex.
pub const REGEX_NEST_LIMIT: u32 = 64;

/// How a rule's pattern is compared with the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole message equals the pattern.
    #[default]
    Exact,
    /// The message contains the pattern.
    Contains,
    /// The message starts with the pattern.
    StartsWith,
    /// The pattern is a regular expression found in the message.
    Regex,
}

impl MatchKind {
    /// The wire name: `exact`, `contains`, `starts_with`, `regex`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Contains => "contains",
            MatchKind::StartsWith => "starts_with",
            MatchKind::Regex => "regex",
        }
    }
}

fn yes() -> bool {
    true
}

/// One keyword rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's id, 1 to 64 characters (the store's id, or a client's name for it).
    pub id: String,
    /// Rules are tried by ascending position, then id.
    #[serde(default)]
    pub position: i64,
    /// How the pattern is compared with text. Default `exact`.
    #[serde(default)]
    pub match_kind: MatchKind,
    /// The keyword, text, regex, or button/list id; 1 to 512 characters.
    pub pattern: String,
    /// Ignore case. Default `true`.
    #[serde(default = "yes")]
    pub case_insensitive: bool,
    /// Ignore accents. Default `true`.
    #[serde(default = "yes")]
    pub accent_insensitive: bool,
    /// The answer: a Cloud API message object without `to`, of any kind (texts are rendered
    /// with spintax and placeholders, see [`super::reply`]).
    pub reply: Value,
    /// Tags added to the contact when the rule answers.
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// The step the contact is in after this rule answers; `None` ends any menu.
    #[serde(default)]
    pub next_step: Option<String>,
    /// The rule answers only while the contact is in this step; `None` means in any step.
    #[serde(default)]
    pub only_in_step: Option<String>,
    /// Disabled rules never answer. Default `true`.
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl Rule {
    /// Checks every field; all errors are returned, named `id`, `pattern`, `reply…`,
    /// `add_tags[i]`, `next_step`, `only_in_step`.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        self.check().0.into_result()
    }

    /// Validates, and compiles the matcher when the pattern is valid.
    fn check(&self) -> (FieldErrors, Option<Matcher>) {
        let mut errs = FieldErrors::default();
        let mut matcher = None;
        check_name(&mut errs, "id", &self.id);
        let n = self.pattern.chars().count();
        if self.pattern.trim().is_empty() {
            errs.push(
                "pattern",
                "give the keyword, text, regex or button id to match",
            );
        } else if n > PATTERN_MAX {
            errs.push(
                "pattern",
                format!("is {n} characters; at most {PATTERN_MAX}"),
            );
        } else {
            match Matcher::compile(self) {
                Ok(m) => matcher = Some(m),
                Err(e) => errs.push("pattern", e),
            }
        }
        if let Err(e) = validate_reply(&self.reply) {
            errs.0.extend(e.0);
        }
        if self.add_tags.len() > TAGS_MAX {
            errs.push(
                "add_tags",
                format!("has {} tags; at most {TAGS_MAX}", self.add_tags.len()),
            );
        }
        for (i, tag) in self.add_tags.iter().enumerate() {
            let field = format!("add_tags[{i}]");
            check_name(&mut errs, &field, tag);
            if self.add_tags[..i].contains(tag) {
                errs.push(field, format!("`{tag}` is listed twice"));
            }
        }
        if let Some(step) = &self.next_step {
            check_name(&mut errs, "next_step", step);
        }
        if let Some(step) = &self.only_in_step {
            check_name(&mut errs, "only_in_step", step);
        }
        (errs, matcher)
    }
}

/// An id, tag or step name: 1 to 64 characters, not blank, no surrounding whitespace.
fn check_name(errs: &mut FieldErrors, field: &str, name: &str) {
    let n = name.chars().count();
    if name.trim().is_empty() {
        errs.push(field, "must not be empty");
    } else if name.trim() != name {
        errs.push(field, "must not start or end with whitespace");
    } else if n > NAME_MAX {
        errs.push(field, format!("is {n} characters; at most {NAME_MAX}"));
    }
}

/// A rule's text matcher, compiled once.
#[derive(Debug, Clone)]
enum Matcher {
    /// Exact, contains or starts-with, against the folded pattern.
    Literal(String),
    /// A compiled regex (against the accent-stripped text when accent-insensitive).
    Regex(Regex),
}

impl Matcher {
    fn compile(rule: &Rule) -> Result<Self, String> {
        if rule.match_kind != MatchKind::Regex {
            let folded = fold(
                &rule.pattern,
                rule.case_insensitive,
                rule.accent_insensitive,
            );
            if folded.is_empty() {
                return Err("has nothing left to match once accents are ignored".into());
            }
            return Ok(Matcher::Literal(folded));
        }
        let source = if rule.accent_insensitive {
            strip_accents(&rule.pattern)
        } else {
            rule.pattern.clone()
        };
        RegexBuilder::new(&source)
            .case_insensitive(rule.case_insensitive)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
            .nest_limit(REGEX_NEST_LIMIT)
            .build()
            .map(Matcher::Regex)
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(limit) => {
                    format!(
                        "the regex is too large (compiled size over {limit} bytes); simplify it"
                    )
                }
                other => format!("is not a valid regex: {other}"),
            })
    }
}

/// A validated, enabled rule with its matcher.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    rule: Rule,
    matcher: Matcher,
}

impl CompiledRule {
    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Whether the message text matches (see the module documentation).
    pub fn matches_text(&self, text: &str) -> bool {
        let r = &self.rule;
        match (&self.matcher, r.match_kind) {
            (Matcher::Regex(re), _) => {
                let t = text.trim();
                if r.accent_insensitive {
                    re.is_match(&strip_accents(t))
                } else {
                    re.is_match(t)
                }
            }
            (Matcher::Literal(p), kind) => {
                let t = fold(text, r.case_insensitive, r.accent_insensitive);
                match kind {
                    MatchKind::Exact | MatchKind::Regex => t == *p,
                    MatchKind::Contains => t.contains(p.as_str()),
                    MatchKind::StartsWith => t.starts_with(p.as_str()),
                }
            }
        }
    }

    /// Whether a button or list reply id matches: the pattern equals it exactly (trimmed).
    pub fn matches_reply_id(&self, id: &str) -> bool {
        let id = id.trim();
        !id.is_empty() && self.rule.pattern.trim() == id
    }
}

/// A rule that could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule `{rule_id}`: {errors}")]
pub struct RuleError {
    /// The rule's id.
    pub rule_id: String,
    /// What is wrong with it.
    pub errors: FieldErrors,
}

/// What a rule matched on, for the decision log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum MatchedOn {
    /// The id of a tapped button or list row.
    ReplyId {
        /// The id.
        id: String,
    },
    /// The message text.
    Text {
        /// How it was compared.
        kind: MatchKind,
        /// The rule's pattern.
        pattern: String,
    },
}

/// The rule that answers a message, and why.
#[derive(Debug, Clone)]
pub struct RuleMatch<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// What it matched on.
    pub on: MatchedOn,
}

/// A channel's enabled, validated rules in order, ready to match.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
}

impl RuleSet {
    /// Compiles `rules`, refusing the set if any rule is invalid (for the API, which must
    /// not store a broken rule). Disabled rules are validated too, then left out.
    pub fn compile(rules: impl IntoIterator<Item = Rule>) -> Result<Self, Vec<RuleError>> {
        let (set, errors) = Self::compile_lenient(rules);
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Compiles `rules`, leaving out (and reporting) invalid ones, so one bad stored rule
    /// cannot silence the bot (for the worker).
    pub fn compile_lenient(rules: impl IntoIterator<Item = Rule>) -> (Self, Vec<RuleError>) {
        let mut compiled = Vec::new();
        let mut errors = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for rule in rules {
            let (mut errs, matcher) = rule.check();
            if !ids.insert(rule.id.clone()) {
                errs.push("id", format!("`{}` is used by another rule", rule.id));
            }
            match (errs, matcher) {
                (errs, Some(matcher)) if errs.0.is_empty() => {
                    if rule.enabled {
                        compiled.push(CompiledRule { rule, matcher });
                    }
                }
                (errs, _) => errors.push(RuleError {
                    rule_id: rule.id.clone(),
                    errors: errs,
                }),
            }
        }
        compiled.sort_by(|a, b| (a.rule.position, &a.rule.id).cmp(&(b.rule.position, &b.rule.id)));
        (Self { rules: compiled }, errors)
    }

    /// The enabled rules, in the order they are tried.
    pub fn rules(&self) -> impl Iterator<Item = &CompiledRule> {
        self.rules.iter()
    }

    /// How many enabled rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no enabled rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule that answers, tried in this order, each by position:
    /// 1. a button/list `reply_id`: rules of the current `step`, then rules for any step;
    /// 2. the `text`: rules of the current `step`, then rules for any step.
    ///
    /// A tapped id is the clearest intent, and a menu's own rules win over general ones.
    /// Rules of other steps never answer.
    pub fn find(
        &self,
        text: Option<&str>,
        reply_id: Option<&str>,
        step: Option<&str>,
    ) -> Option<RuleMatch<'_>> {
        let passes = || {
            let in_step = self
                .rules
                .iter()
                .filter(move |r| step.is_some() && r.rule.only_in_step.as_deref() == step);
            let any_step = self.rules.iter().filter(|r| r.rule.only_in_step.is_none());
            in_step.chain(any_step)
        };
        if let Some(id) = reply_id {
            if let Some(r) = passes().find(|r| r.matches_reply_id(id)) {
                return Some(RuleMatch {
                    rule: &r.rule,
                    on: MatchedOn::ReplyId {
                        id: id.trim().to_string(),
                    },
                });
            }
        }
        let text = text?;
        passes().find(|r| r.matches_text(text)).map(|r| RuleMatch {
            rule: &r.rule,
            on: MatchedOn::Text {
                kind: r.rule.match_kind,
                pattern: r.rule.pattern.clone(),
            },
        })
    }

    /// Steps some rule leads to (`next_step`) that no rule answers in (`only_in_step`):
    /// `(rule id, step)` pairs, for a warning when rules are saved.
    pub fn dead_end_steps(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .filter_map(|r| {
                let next = r.rule.next_step.as_ref()?;
                let answered = self
                    .rules
                    .iter()
                    .any(|o| o.rule.only_in_step.as_ref() == Some(next));
                (!answered).then(|| (r.rule.id.clone(), next.clone()))
            })
            .collect()
    }
}
