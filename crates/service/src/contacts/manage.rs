//! Contact CRUD: create, list, read, change and delete an account's contacts, each answered
//! with its last inbound time per channel.

use switchboard_core::id::{AccountId, ContactImportId};
use switchboard_core::time::now_millis;
use switchboard_store::bot::ContactRecord;
use switchboard_store::contacts::{
    ContactFilter, ContactKey, ContactPatch, ContactWithActivity, ImportJob,
};
use switchboard_store::{Page, PageRequest, Store};

use super::{check_fields_size, with_activity, TAGS_MAX};
use crate::{ServiceError, ServiceResult};

/// Why a contact could not be created.
#[derive(Debug)]
pub enum CreateError {
    /// The phone already has a contact (its WhatsApp id).
    Exists(String),
    /// Any other failure.
    Service(ServiceError),
}

impl<E: Into<ServiceError>> From<E> for CreateError {
    fn from(e: E) -> Self {
        CreateError::Service(e.into())
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("contact")
}

async fn one(
    store: &dyn Store,
    account: AccountId,
    contact: ContactRecord,
) -> ServiceResult<ContactWithActivity> {
    with_activity(store, account, vec![contact])
        .await?
        .pop()
        .ok_or(not_found())
}

/// Stores a new contact (its fields already checked); a second contact of a phone is refused.
pub async fn create(
    store: &dyn Store,
    contact: ContactRecord,
) -> Result<ContactWithActivity, CreateError> {
    if !store.create_contact(&contact).await? {
        return Err(CreateError::Exists(contact.wa_id));
    }
    let account = contact.account_id;
    Ok(one(store, account, contact).await?)
}

/// A page of the account's contacts matching `filter`, oldest first.
pub async fn list(
    store: &dyn Store,
    account: AccountId,
    filter: &ContactFilter,
    page: &PageRequest,
) -> ServiceResult<Page<ContactWithActivity>> {
    let page = store.list_contacts(account, filter, page).await?;
    Ok(Page {
        items: with_activity(store, account, page.items).await?,
        next: page.next,
    })
}

/// A contact by id or phone.
pub async fn get(
    store: &dyn Store,
    account: AccountId,
    key: &ContactKey,
) -> ServiceResult<ContactWithActivity> {
    let contact = store
        .find_contact(account, key)
        .await?
        .ok_or_else(not_found)?;
    one(store, account, contact).await
}

/// Applies `patch` (its fields already checked); the result may not exceed the tag and
/// custom field limits.
pub async fn update(
    store: &dyn Store,
    account: AccountId,
    key: &ContactKey,
    patch: &ContactPatch,
) -> ServiceResult<ContactWithActivity> {
    let now = now_millis();
    let mut preview = store
        .find_contact(account, key)
        .await?
        .ok_or_else(not_found)?;
    patch.apply(&mut preview, now);
    if preview.tags.len() > TAGS_MAX {
        return Err(ServiceError::invalid(
            "tags",
            format!("a contact has at most {TAGS_MAX} tags"),
        ));
    }
    check_fields_size(&preview.custom_fields)?;
    let contact = store
        .update_contact(account, key, patch, now)
        .await?
        .ok_or_else(not_found)?;
    one(store, account, contact).await
}

/// Deletes a contact (its messages stay).
pub async fn delete(store: &dyn Store, account: AccountId, key: &ContactKey) -> ServiceResult<()> {
    if store.delete_contact(account, key).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// An import job of the account.
pub async fn import_job(
    store: &dyn Store,
    account: AccountId,
    id: ContactImportId,
) -> ServiceResult<ImportJob> {
    store
        .get_import(account, id)
        .await?
        .ok_or(ServiceError::NotFound("import"))
}
