//! The number's business profile and commerce settings:
//! `GET|POST /{version}/{phone_number_id}/whatsapp_business_profile` and
//! `GET|POST /{version}/{phone_number_id}/whatsapp_commerce_settings`.

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use switchboard_core::business_profile::{BusinessProfile, CommerceSettings, ProfileUpdate};

use super::classify::unexpected;
use super::client::{graph_url, Call};
use super::messages::{expect_success, SuccessAnswer};
use super::CloudClient;
use super::CloudTarget;
use crate::ConnectorError;

/// The profile fields read.
const FIELDS: &str = "about,address,description,email,profile_picture_url,websites,vertical";

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// `{"data": [item]}` answers.
#[derive(Deserialize)]
struct DataAnswer<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
}

#[derive(Serialize)]
struct ProfileBody<'a> {
    messaging_product: &'static str,
    #[serde(flatten)]
    update: &'a ProfileUpdate,
}

/// Reads the business profile.
pub(crate) async fn get(
    c: &CloudClient,
    target: &CloudTarget,
) -> Result<BusinessProfile, ConnectorError> {
    let mut url = graph_url(
        target,
        &[&target.phone_number_id, "whatsapp_business_profile"],
    )?;
    url.query_pairs_mut().append_pair("fields", FIELDS);
    let call = Call::new(
        "business_profile",
        Method::GET,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call);
    let answer: DataAnswer<BusinessProfile> = c.execute_json(&call, req).await?;
    answer
        .data
        .into_iter()
        .next()
        .ok_or_else(|| unexpected(200, "no profile in data[0]"))
}

/// Changes the fields of the profile that `update` gives.
pub(crate) async fn update(
    c: &CloudClient,
    target: &CloudTarget,
    update: &ProfileUpdate,
) -> Result<(), ConnectorError> {
    let url = graph_url(
        target,
        &[&target.phone_number_id, "whatsapp_business_profile"],
    )?;
    let body = serde_json::to_vec(&ProfileBody {
        messaging_product: "whatsapp",
        update,
    })
    .map_err(|e| ConnectorError::permanent(format!("cannot serialize the profile: {e}")))?;
    let call = Call::new(
        "update_business_profile",
        Method::POST,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call).header(CONTENT_TYPE, JSON).body(body);
    let answer: SuccessAnswer = c.execute_json(&call, req).await?;
    expect_success(answer.success)
}

/// Reads the commerce settings.
pub(crate) async fn commerce(
    c: &CloudClient,
    target: &CloudTarget,
) -> Result<CommerceSettings, ConnectorError> {
    let url = graph_url(
        target,
        &[&target.phone_number_id, "whatsapp_commerce_settings"],
    )?;
    let call = Call::new(
        "commerce_settings",
        Method::GET,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call);
    let answer: DataAnswer<CommerceSettings> = c.execute_json(&call, req).await?;
    Ok(answer.data.into_iter().next().unwrap_or_default())
}

/// Changes the commerce settings `settings` gives (as query parameters, as Meta takes them).
pub(crate) async fn update_commerce(
    c: &CloudClient,
    target: &CloudTarget,
    settings: &CommerceSettings,
) -> Result<(), ConnectorError> {
    let mut url = graph_url(
        target,
        &[&target.phone_number_id, "whatsapp_commerce_settings"],
    )?;
    {
        let mut q = url.query_pairs_mut();
        if let Some(v) = settings.is_cart_enabled {
            q.append_pair("is_cart_enabled", if v { "true" } else { "false" });
        }
        if let Some(v) = settings.is_catalog_visible {
            q.append_pair("is_catalog_visible", if v { "true" } else { "false" });
        }
    }
    let call = Call::new(
        "update_commerce_settings",
        Method::POST,
        url,
        target,
        c.config.request_timeout,
    );
    let req = c.request(&call);
    let answer: SuccessAnswer = c.execute_json(&call, req).await?;
    expect_success(answer.success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_body_names_the_product() {
        let update = ProfileUpdate {
            about: Some("hi".into()),
            vertical: Some("RETAIL".into()),
            ..Default::default()
        };
        let body = serde_json::to_value(ProfileBody {
            messaging_product: "whatsapp",
            update: &update,
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"messaging_product": "whatsapp", "about": "hi", "vertical": "RETAIL"})
        );
    }
}
