//! Accounts and credits, for the admin: the accounts with their balance, creating one (its
//! first key shown once), and an account's credits — balance, latest ledger movements, and a
//! credit or debit with a note. The same services as `/v1/accounts` and
//! `/v1/accounts/{id}/credits`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_core::id::{AccountId, AccountMarker};
use switchboard_core::time::to_rfc3339;
use switchboard_service::credits::{self, ChangeError};
use switchboard_service::{accounts, ServiceError};
use switchboard_store::PageRequest;

use super::html;
use crate::csrf::Posted;
use crate::error::{ConsoleError, ConsoleResult};
use crate::session::{Signed, Who};
use crate::views::Shell;
use crate::ConsoleState;

/// Accounts listed on one page.
const PER_PAGE: u32 = 50;

/// Refuses every session but the admin's.
fn admin(signed: &Signed) -> ConsoleResult<()> {
    match signed.who {
        Who::Admin => Ok(()),
        Who::Key { .. } => Err(ConsoleError::forbidden(
            "accounts and credits are managed with the admin key: sign in with it",
        )),
    }
}

/// An account in the list.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// `acc_…`
    pub id: String,
    /// Its name (chosen by a person: escaped).
    pub name: String,
    /// Created (RFC 3339).
    pub created: String,
    /// Its credit balance.
    pub balance: i64,
}

/// An account just created, with its first key (shown this once).
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    /// `acc_…`
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its first key: account-wide, `manage`.
    pub key: String,
}

/// The accounts page.
#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    title: &'static str,
    shell: Shell,
    rows: Vec<AccountRow>,
    next: Option<String>,
    created: Option<CreatedAccount>,
    error: Option<String>,
    name: String,
    local_url: String,
}

/// `?after=` to page through the accounts.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// The cursor of the page to show.
    pub after: Option<String>,
}

async fn list_page(
    state: &ConsoleState,
    signed: &Signed,
    after: Option<String>,
) -> ConsoleResult<AccountsPage> {
    let store = state.app.store().as_ref();
    let page = accounts::list(
        store,
        &PageRequest {
            after,
            limit: Some(PER_PAGE),
        },
    )
    .await?;
    let mut rows = Vec::with_capacity(page.items.len());
    for a in &page.items {
        rows.push(AccountRow {
            id: a.id.to_string(),
            name: a.name.clone(),
            created: to_rfc3339(a.created_at),
            balance: store.credit_balance(a.id).await?,
        });
    }
    Ok(AccountsPage {
        title: "Accounts",
        shell: Shell::of(signed, "accounts"),
        rows,
        next: page.next,
        created: None,
        error: None,
        name: String::new(),
        local_url: super::public_base(state),
    })
}

/// `GET /console/accounts`.
pub async fn list(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> ConsoleResult<Response> {
    admin(&signed)?;
    html(list_page(&state, &signed, q.after.filter(|a| !a.is_empty())).await?)
}

/// `POST /console/accounts`: creates an account and answers with the page showing its
/// first key this once (no redirect: the key is never in a URL).
pub async fn create(State(state): State<ConsoleState>, posted: Posted) -> ConsoleResult<Response> {
    admin(&posted.signed)?;
    let name = posted
        .fields
        .get("name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    let mut page = list_page(&state, &posted.signed, None).await?;
    match accounts::create(state.app.store().as_ref(), &name, |_| Vec::new()).await {
        Ok(created) => {
            page.created = Some(CreatedAccount {
                id: created.account.id.to_string(),
                name: created.account.name,
                key: created.api_key,
            });
            let fresh = list_page(&state, &posted.signed, None).await?;
            page.rows = fresh.rows;
            page.next = fresh.next;
            html(page)
        }
        Err(ServiceError::Invalid { field, message }) => {
            page.error = Some(format!("{field}: {message}"));
            page.name = name;
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A ledger movement as the page shows it.
#[derive(Debug, Clone)]
pub struct MovementRow {
    /// When (RFC 3339).
    pub at: String,
    /// Signed amount, `+100` or `-3`.
    pub amount: String,
    /// Whether it credited the account.
    pub credit: bool,
    /// The balance right after it.
    pub balance_after: i64,
    /// Why (`admin_credit`, `broadcast_reserve`, …).
    pub reason: String,
    /// The note or related object (escaped), or empty.
    pub reference: String,
}

/// An account's credits page.
#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    title: &'static str,
    shell: Shell,
    id: String,
    name: String,
    created: String,
    balance: i64,
    movements: Vec<MovementRow>,
    flash: Option<String>,
    error: Option<String>,
    amount: String,
    note: String,
}

/// `?changed=` after a change.
#[derive(Debug, Deserialize)]
pub struct Flash {
    /// The amount just applied.
    pub changed: Option<i64>,
}

fn parse_account(text: &str) -> ConsoleResult<AccountId> {
    switchboard_api::extract::path_id::<AccountMarker>(text, "account").map_err(Into::into)
}

async fn account_page(
    state: &ConsoleState,
    signed: &Signed,
    id: AccountId,
) -> ConsoleResult<AccountPage> {
    let store = state.app.store().as_ref();
    let account = accounts::get(store, id).await?;
    let credits = credits::get(store, id).await?;
    Ok(AccountPage {
        title: "Account",
        shell: Shell::of(signed, "accounts"),
        id: account.id.to_string(),
        name: account.name,
        created: to_rfc3339(account.created_at),
        balance: credits.balance,
        movements: credits
            .movements
            .into_iter()
            .map(|m| MovementRow {
                at: to_rfc3339(m.created_at),
                amount: if m.amount > 0 {
                    format!("+{}", m.amount)
                } else {
                    m.amount.to_string()
                },
                credit: m.amount > 0,
                balance_after: m.balance_after,
                reason: m.reason,
                reference: m.reference.unwrap_or_default(),
            })
            .collect(),
        flash: None,
        error: None,
        amount: String::new(),
        note: String::new(),
    })
}

/// `GET /console/accounts/{id}`.
pub async fn detail(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> ConsoleResult<Response> {
    admin(&signed)?;
    let id = parse_account(&id)?;
    let mut page = account_page(&state, &signed, id).await?;
    page.flash = flash.changed.map(|n| {
        if n > 0 {
            format!("{n} credits added.")
        } else {
            format!("{} credits taken.", n.unsigned_abs())
        }
    });
    html(page)
}

/// `POST /console/accounts/{id}/credits`: credits (positive) or debits (negative) the
/// account with an optional note, then shows it again; a refusal shows the form with why.
pub async fn change(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> ConsoleResult<Response> {
    admin(&posted.signed)?;
    let id = parse_account(&id)?;
    let field = |name: &str| {
        posted
            .fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (amount_text, note) = (field("amount"), field("note"));
    let mut page = account_page(&state, &posted.signed, id).await?;
    let refused = |mut page: AccountPage, code: StatusCode, message: String| {
        page.error = Some(message);
        page.amount = amount_text.clone();
        page.note = note.clone();
        Ok::<_, ConsoleError>((code, Html(page.render()?)).into_response())
    };
    let Ok(amount) = amount_text.replace([' ', '_'], "").parse::<i64>() else {
        return refused(
            page,
            StatusCode::BAD_REQUEST,
            format!("amount: `{amount_text}` is not a whole number (use -5 to take credits)"),
        );
    };
    let note_ref = Some(note.as_str()).filter(|n| !n.is_empty());
    match credits::change(state.app.store().as_ref(), id, amount, note_ref).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/console/accounts/{id}?changed={amount}")).into_response())
        }
        Err(ChangeError::Insufficient { needed, available }) => refused(
            page,
            StatusCode::PAYMENT_REQUIRED,
            format!("the account has {available} credits: it cannot give {needed}"),
        ),
        Err(ChangeError::Service(ServiceError::Invalid { field, message })) => {
            page.error = None;
            let message = if message.contains(&field) {
                message
            } else {
                format!("{field}: {message}")
            };
            refused(page, StatusCode::BAD_REQUEST, message)
        }
        Err(ChangeError::Service(e)) => Err(e.into()),
    }
}
