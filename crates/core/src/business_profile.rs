//! A WhatsApp business profile (Meta's `whatsapp_business_profile`) and commerce settings
//! (`whatsapp_commerce_settings`), with Meta's field limits checked before any upstream call.

use serde::{Deserialize, Serialize};

/// Longest `about`, in characters.
pub const MAX_ABOUT: usize = 139;
/// Longest `address`, in characters.
pub const MAX_ADDRESS: usize = 256;
/// Longest `description`, in characters.
pub const MAX_DESCRIPTION: usize = 256;
/// Longest `email`, in characters.
pub const MAX_EMAIL: usize = 128;
/// Most `websites`.
pub const MAX_WEBSITES: usize = 2;
/// Longest website, in characters.
pub const MAX_WEBSITE: usize = 256;

/// Meta's business verticals: (Meta's code, the label WhatsApp shows).
pub const VERTICALS: &[(&str, &str)] = &[
    ("OTHER", "Other"),
    ("AUTO", "Automotive"),
    ("BEAUTY", "Beauty, Spa and Salon"),
    ("APPAREL", "Clothing and Apparel"),
    ("EDU", "Education"),
    ("ENTERTAIN", "Entertainment"),
    ("EVENT_PLAN", "Event Planning and Service"),
    ("FINANCE", "Finance and Banking"),
    ("GROCERY", "Food and Grocery"),
    ("GOVT", "Public Service"),
    ("HOTEL", "Hotel and Lodging"),
    ("HEALTH", "Medical and Health"),
    ("NONPROFIT", "Non-profit"),
    ("PROF_SERVICES", "Professional Services"),
    ("RETAIL", "Shopping and Retail"),
    ("TRAVEL", "Travel and Transportation"),
    ("RESTAURANT", "Restaurant"),
    ("ALCOHOL", "Alcoholic Beverages"),
    ("ONLINE_GAMBLING", "Online Gambling and Gaming"),
    ("PHYSICAL_GAMBLING", "Non-Online Gambling and Gaming"),
    ("OTC_DRUGS", "Over-the-Counter Drugs"),
];

/// The vertical code named by `text`: Meta's code (`RESTAURANT`) or its label
/// (`Restaurant`), case-insensitively.
pub fn vertical_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    VERTICALS
        .iter()
        .find(|(code, label)| code.eq_ignore_ascii_case(text) || label.eq_ignore_ascii_case(text))
        .map(|(code, _)| *code)
}

/// The label of a vertical code (`RESTAURANT` → `Restaurant`); an unknown code as given.
pub fn vertical_label(code: &str) -> &str {
    VERTICALS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map_or(code, |(_, label)| *label)
}

/// A business profile as the upstream reports it; absent fields are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessProfile {
    /// The About text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// The business address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The business description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The contact email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The profile picture's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    /// Up to two websites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websites: Vec<String>,
    /// Meta's vertical code, e.g. `RESTAURANT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<String>,
}

/// A change to a business profile: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileUpdate {
    /// New About text (1–139 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// New address (up to 256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// New description (up to 256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New email (up to 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New websites (up to 2, each up to 256 characters, `http://` or `https://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<Vec<String>>,
    /// New vertical: Meta's code or its label (normalised to the code by [`validate`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<String>,
}

impl ProfileUpdate {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == ProfileUpdate::default()
    }
}

/// A field of a profile change that breaks Meta's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ProfileError {
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), ProfileError> {
    let n = value.chars().count();
    if n > max {
        return Err(ProfileError {
            field,
            message: format!("{n} characters, at most {max} allowed"),
        });
    }
    Ok(())
}

/// Checks `update` against Meta's limits and returns it with the vertical as Meta's code.
pub fn validate(mut update: ProfileUpdate) -> Result<ProfileUpdate, ProfileError> {
    if update.is_empty() {
        return Err(ProfileError {
            field: "body",
            message: "nothing to change: give at least one of about, address, description, email, websites, vertical".into(),
        });
    }
    if let Some(about) = &update.about {
        if about.trim().is_empty() {
            return Err(ProfileError {
                field: "about",
                message: "must not be empty (1 to 139 characters)".into(),
            });
        }
        check_len("about", about, MAX_ABOUT)?;
    }
    if let Some(address) = &update.address {
        check_len("address", address, MAX_ADDRESS)?;
    }
    if let Some(description) = &update.description {
        check_len("description", description, MAX_DESCRIPTION)?;
    }
    if let Some(email) = &update.email {
        check_len("email", email, MAX_EMAIL)?;
        let valid = email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
        });
        if !email.is_empty() && !valid {
            return Err(ProfileError {
                field: "email",
                message: format!("{email:?} is not an email address like name@example.com"),
            });
        }
    }
    if let Some(websites) = &update.websites {
        if websites.len() > MAX_WEBSITES {
            return Err(ProfileError {
                field: "websites",
                message: format!("{} given, at most {MAX_WEBSITES} allowed", websites.len()),
            });
        }
        for site in websites {
            check_len("websites", site, MAX_WEBSITE)?;
            if !(site.starts_with("http://") || site.starts_with("https://")) {
                return Err(ProfileError {
                    field: "websites",
                    message: format!("{site:?} must start with http:// or https://"),
                });
            }
        }
    }
    if let Some(vertical) = &update.vertical {
        let code = vertical_code(vertical).ok_or_else(|| ProfileError {
            field: "vertical",
            message: format!(
                "{vertical:?} is not one of Meta's verticals: {}",
                VERTICALS
                    .iter()
                    .map(|(code, _)| *code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        update.vertical = Some(code.to_string());
    }
    Ok(update)
}

/// A number's commerce settings (Meta's `whatsapp_commerce_settings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommerceSettings {
    /// Whether customers can add products to a cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cart_enabled: Option<bool>,
    /// Whether the catalog storefront icon shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_catalog_visible: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> ProfileUpdate {
        ProfileUpdate {
            about: Some("Open 9 to 5".into()),
            ..Default::default()
        }
    }

    #[test]
    fn limits_are_meta_s() {
        assert!(validate(update()).is_ok());
        assert_eq!(
            validate(ProfileUpdate::default()).unwrap_err().field,
            "body"
        );
        let long = |n| "x".repeat(n);
        let cases: Vec<(ProfileUpdate, &str)> = vec![
            (
                ProfileUpdate {
                    about: Some(long(140)),
                    ..update()
                },
                "about",
            ),
            (
                ProfileUpdate {
                    about: Some(" ".into()),
                    ..update()
                },
                "about",
            ),
            (
                ProfileUpdate {
                    address: Some(long(257)),
                    ..update()
                },
                "address",
            ),
            (
                ProfileUpdate {
                    description: Some(long(513)),
                    ..update()
                },
                "description",
            ),
            (
                ProfileUpdate {
                    email: Some(format!("{}@x.io", long(124))),
                    ..update()
                },
                "email",
            ),
            (
                ProfileUpdate {
                    email: Some("nobody".into()),
                    ..update()
                },
                "email",
            ),
            (
                ProfileUpdate {
                    websites: Some(vec!["https://a.io".into(); 3]),
                    ..update()
                },
                "websites",
            ),
            (
                ProfileUpdate {
                    websites: Some(vec![format!("https://{}", long(250))]),
                    ..update()
                },
                "websites",
            ),
            (
                ProfileUpdate {
                    websites: Some(vec!["a.io".into()]),
                    ..update()
                },
                "websites",
            ),
            (
                ProfileUpdate {
                    vertical: Some("Spaceships".into()),
                    ..update()
                },
                "vertical",
            ),
        ];
        for (u, field) in cases {
            assert_eq!(validate(u.clone()).unwrap_err().field, field, "{u:?}");
        }
        let ok = ProfileUpdate {
            about: Some(long(139)),
            description: Some(long(256)),
            websites: Some(vec!["https://a.io".into(), "http://b.io".into()]),
            vertical: Some("Beauty, Spa and Salon".into()),
            ..update()
        };
        assert_eq!(validate(ok).unwrap().vertical.as_deref(), Some("BEAUTY"));
    }

    #[test]
    fn verticals_by_code_or_label() {
        assert_eq!(vertical_code("restaurant"), Some("RESTAURANT"));
        assert_eq!(vertical_code("Public Service"), Some("GOVT"));
        assert_eq!(vertical_code("nope"), None);
        assert_eq!(vertical_label("PROF_SERVICES"), "Professional Services");
        assert_eq!(vertical_label("NEW_ONE"), "NEW_ONE");
    }
}
