//! Contacts messages: one to five contact cards.

use serde::{Deserialize, Serialize};

use super::error::{Arr, Check, MessageError, Obj};

/// Maximum number of contact cards in one message (Meta's OAS).
pub const CONTACTS_MAX: usize = 5;

/// One contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Postal addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<ContactAddress>,
    /// Birthday, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ContactEmail>,
    /// The name; `formatted_name` is required.
    pub name: ContactName,
    /// Organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<ContactOrg>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<ContactPhone>,
    /// Web sites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<ContactUrl>,
}

/// A contact's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactName {
    /// Full name as it should be shown (required).
    pub formatted_name: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Name suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// Name prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// A contact's postal address; every field is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactAddress {
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Two-letter country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// `HOME`, `WORK`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A contact's email address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactEmail {
    /// The address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `HOME`, `WORK`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A contact's organization.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactOrg {
    /// Company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A contact's phone number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactPhone {
    /// The number as it should be shown, e.g. `+1 (650) 555-1234`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `CELL`, `MAIN`, `IPHONE`, `HOME`, `WORK`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The WhatsApp id of that number, which adds a "Message" button to the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
}

/// A contact's web site.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactUrl {
    /// The URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `HOME`, `WORK`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Reads an object whose fields are all optional strings, refusing other keys.
fn strings<'a>(o: &Obj<'a>, keys: &[&str]) -> Check<Vec<Option<String>>> {
    o.only(keys)?;
    keys.iter().map(|k| o.opt_string(k)).collect()
}

/// Reads an optional array of string-only objects with the fields `keys`.
fn list<T>(
    o: &Obj<'_>,
    key: &str,
    keys: &[&str],
    build: fn(Vec<Option<String>>) -> T,
) -> Check<Vec<T>> {
    let Some(arr): Option<Arr<'_>> = o.opt_arr(key)? else {
        return Ok(Vec::new());
    };
    arr.objects()
        .map(|item| Ok(build(strings(&item?, keys)?)))
        .collect()
}

/// Takes the next value of a fixed-size field list (always present by construction).
fn next(it: &mut std::vec::IntoIter<Option<String>>) -> Option<String> {
    it.next().flatten()
}

/// Checks a `YYYY-MM-DD` calendar date.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Parses one contact card.
fn contact(o: &Obj<'_>) -> Check<Contact> {
    o.only(&[
        "addresses",
        "birthday",
        "emails",
        "name",
        "org",
        "phones",
        "urls",
    ])?;
    let n = o.obj("name", "add {\"formatted_name\": \"…\"}")?;
    n.only(&[
        "formatted_name",
        "first_name",
        "last_name",
        "middle_name",
        "suffix",
        "prefix",
    ])?;
    let name = ContactName {
        formatted_name: n.text(
            "formatted_name",
            1024,
            "add the full name as it should be shown",
        )?,
        first_name: n.opt_string("first_name")?,
        last_name: n.opt_string("last_name")?,
        middle_name: n.opt_string("middle_name")?,
        suffix: n.opt_string("suffix")?,
        prefix: n.opt_string("prefix")?,
    };
    let birthday = o.opt_string("birthday")?;
    if let Some(b) = &birthday {
        if !is_date(b) {
            return Err(MessageError::bad_value(
                o.at_key("birthday"),
                format!("must be a date written YYYY-MM-DD, got `{b}`"),
            ));
        }
    }
    let org = match o.opt_obj("org")? {
        None => None,
        Some(org) => {
            let mut f = strings(&org, &["company", "department", "title"])?.into_iter();
            Some(ContactOrg {
                company: next(&mut f),
                department: next(&mut f),
                title: next(&mut f),
            })
        }
    };
    Ok(Contact {
        addresses: list(
            o,
            "addresses",
            &[
                "street",
                "city",
                "state",
                "zip",
                "country",
                "country_code",
                "type",
            ],
            |v| {
                let mut f = v.into_iter();
                ContactAddress {
                    street: next(&mut f),
                    city: next(&mut f),
                    state: next(&mut f),
                    zip: next(&mut f),
                    country: next(&mut f),
                    country_code: next(&mut f),
                    kind: next(&mut f),
                }
            },
        )?,
        birthday,
        emails: list(o, "emails", &["email", "type"], |v| {
            let mut f = v.into_iter();
            ContactEmail {
                email: next(&mut f),
                kind: next(&mut f),
            }
        })?,
        name,
        org,
        phones: list(o, "phones", &["phone", "type", "wa_id"], |v| {
            let mut f = v.into_iter();
            ContactPhone {
                phone: next(&mut f),
                kind: next(&mut f),
                wa_id: next(&mut f),
            }
        })?,
        urls: list(o, "urls", &["url", "type"], |v| {
            let mut f = v.into_iter();
            ContactUrl {
                url: next(&mut f),
                kind: next(&mut f),
            }
        })?,
    })
}

/// Parses the `contacts` array (1 to 5 cards).
pub(crate) fn parse(arr: &Arr<'_>) -> Check<Vec<Contact>> {
    arr.count(1, CONTACTS_MAX, "contacts")?;
    arr.objects().map(|o| contact(&o?)).collect()
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates() {
        assert!(is_date("2012-08-18"));
        assert!(is_date("2000-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(!is_date("2012-13-01"));
        assert!(!is_date("2012-8-18"));
        assert!(!is_date("18/08/2012"));
        assert!(!is_date("2012-08-1é"));
    }
}
