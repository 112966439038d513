//! A template's review status, as Meta reports it (list answers and
//! `message_template_status_update` webhooks).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A template's status. Unknown values read as [`TemplateStatus::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateStatus {
    /// `APPROVED`: can be sent.
    Approved,
    /// `PENDING`: in review.
    Pending,
    /// `REJECTED`: refused in review.
    Rejected,
    /// `PAUSED`: paused for low quality (sends fail with 132015).
    Paused,
    /// `DISABLED`: disabled for low quality (sends fail with 132016).
    Disabled,
    /// `FLAGGED`: low quality, at risk of being disabled; still sendable.
    Flagged,
    /// `REINSTATED`: no longer flagged or disabled; sendable.
    Reinstated,
    /// `IN_APPEAL`: a rejection is being appealed.
    InAppeal,
    /// `LIMIT_EXCEEDED`: the account is at its template limit.
    LimitExceeded,
    /// `LOCKED`: cannot be edited; still sendable.
    Locked,
    /// `ARCHIVED`: archived for inactivity.
    Archived,
    /// `UNARCHIVED`: restored from the archive.
    Unarchived,
    /// `PENDING_DELETION`: deleted in WhatsApp Manager.
    PendingDeletion,
    /// `DELETED`: deleted.
    Deleted,
    /// A status this model does not know.
    Unknown,
}

impl TemplateStatus {
    /// Every status.
    pub const ALL: [TemplateStatus; 15] = [
        TemplateStatus::Approved,
        TemplateStatus::Pending,
        TemplateStatus::Rejected,
        TemplateStatus::Paused,
        TemplateStatus::Disabled,
        TemplateStatus::Flagged,
        TemplateStatus::Reinstated,
        TemplateStatus::InAppeal,
        TemplateStatus::LimitExceeded,
        TemplateStatus::Locked,
        TemplateStatus::Archived,
        TemplateStatus::Unarchived,
        TemplateStatus::PendingDeletion,
        TemplateStatus::Deleted,
        TemplateStatus::Unknown,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateStatus::Approved => "APPROVED",
            TemplateStatus::Pending => "PENDING",
            TemplateStatus::Rejected => "REJECTED",
            TemplateStatus::Paused => "PAUSED",
            TemplateStatus::Disabled => "DISABLED",
            TemplateStatus::Flagged => "FLAGGED",
            TemplateStatus::Reinstated => "REINSTATED",
            TemplateStatus::InAppeal => "IN_APPEAL",
            TemplateStatus::LimitExceeded => "LIMIT_EXCEEDED",
            TemplateStatus::Locked => "LOCKED",
            TemplateStatus::Archived => "ARCHIVED",
            TemplateStatus::Unarchived => "UNARCHIVED",
            TemplateStatus::PendingDeletion => "PENDING_DELETION",
            TemplateStatus::Deleted => "DELETED",
            TemplateStatus::Unknown => "UNKNOWN",
        }
    }

    /// Parses a wire name, ignoring ASCII case; anything else is `Unknown`.
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .unwrap_or(TemplateStatus::Unknown)
    }

    /// Whether a template in this status can be sent: APPROVED, and the statuses Meta
    /// documents as still sendable (FLAGGED, REINSTATED, LOCKED, UNARCHIVED). Everything
    /// else, including an unknown status, is refused.
    pub fn is_sendable(self) -> bool {
        matches!(
            self,
            TemplateStatus::Approved
                | TemplateStatus::Flagged
                | TemplateStatus::Reinstated
                | TemplateStatus::Locked
                | TemplateStatus::Unarchived
        )
    }
}

impl fmt::Display for TemplateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TemplateStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TemplateStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_sendable() {
        for s in TemplateStatus::ALL {
            assert_eq!(TemplateStatus::parse(s.as_str()), s);
        }
        assert_eq!(TemplateStatus::parse("approved"), TemplateStatus::Approved);
        assert_eq!(TemplateStatus::parse("NEW_THING"), TemplateStatus::Unknown);
        assert!(TemplateStatus::Approved.is_sendable());
        assert!(!TemplateStatus::Pending.is_sendable());
        assert!(!TemplateStatus::Unknown.is_sendable());
        let s: TemplateStatus = serde_json::from_str("\"PAUSED\"").expect("reads");
        assert_eq!(s, TemplateStatus::Paused);
    }
}
