//! Commerce interactive messages: single product, product list, catalog, order details and
//! order status.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::message::currency::is_currency_code;
use crate::message::error::{Check, MessageError, Obj, INVALID_PARAMETER};

/// Maximum number of product sections.
pub const PRODUCT_SECTIONS_MAX: usize = 10;
/// Maximum number of products in a product list, across all sections.
pub const PRODUCTS_MAX: usize = 30;
/// Maximum product section title length, in characters.
pub const PRODUCT_SECTION_TITLE_MAX: usize = 24;

/// The action of a `product` message: `{catalog_id, product_retailer_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductAction {
    /// The catalog connected to the business account.
    pub catalog_id: String,
    /// The product's SKU in that catalog.
    pub product_retailer_id: String,
}

/// The action of a `product_list` message: `{catalog_id, sections:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductListAction {
    /// The catalog connected to the business account.
    pub catalog_id: String,
    /// One to ten sections, 30 products at most in all.
    pub sections: Vec<ProductSection>,
}

/// A product section `{title?, product_items:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSection {
    /// At most 24 characters; required when there is more than one section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The products of the section.
    pub product_items: Vec<ProductItem>,
}

/// A product of a section `{product_retailer_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductItem {
    /// The product's SKU.
    pub product_retailer_id: String,
}

/// The action of a `catalog_message`: `{name:"catalog_message", parameters?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogAction {
    /// Always `catalog_message`.
    pub name: String,
    /// The thumbnail product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<CatalogParameters>,
}

/// Parameters of a catalog message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogParameters {
    /// The product whose image is the thumbnail (defaults to the first item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_product_retailer_id: Option<String>,
}

/// The action of an `order_details` (`review_and_pay`) or `order_status` (`review_order`)
/// message. Its parameters are checked for the required fields and kept as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderAction {
    /// `review_and_pay` or `review_order`.
    pub name: String,
    /// The order, as Meta documents it.
    pub parameters: Map<String, Value>,
}

/// Parses the action of a `product` message.
pub(crate) fn parse_product(a: &Obj<'_>) -> Check<ProductAction> {
    a.only(&["catalog_id", "product_retailer_id"])?;
    Ok(ProductAction {
        catalog_id: a.text("catalog_id", 256, "give the id of the catalog")?,
        product_retailer_id: a.text("product_retailer_id", 256, "give the product's SKU")?,
    })
}

/// Parses the action of a `product_list` message.
pub(crate) fn parse_product_list(a: &Obj<'_>) -> Check<ProductListAction> {
    a.only(&["catalog_id", "sections"])?;
    let catalog_id = a.text("catalog_id", 256, "give the id of the catalog")?;
    let arr = a.arr("sections", "add at least one section with product_items")?;
    arr.count(1, PRODUCT_SECTIONS_MAX, "sections")?;
    let total: usize = arr
        .items()
        .iter()
        .filter_map(|s| {
            s.get("product_items")
                .and_then(|r| r.as_array())
                .map(Vec::len)
        })
        .sum();
    let several = arr.len() > 1;
    let mut seen = 0usize;
    let mut sections = Vec::with_capacity(arr.len());
    for s in arr.objects() {
        let s = s?;
        s.only(&["title", "product_items"])?;
        let title = s.opt_text("title", PRODUCT_SECTION_TITLE_MAX)?;
        if several && title.is_none() {
            return Err(s.missing(
                "title",
                "every section needs a title when there is more than one section",
            ));
        }
        let items = s.arr("product_items", "add at least one product")?;
        items.count(1, PRODUCTS_MAX, "products per section")?;
        let mut product_items = Vec::with_capacity(items.len());
        for item in items.objects() {
            let item = item?;
            seen += 1;
            if seen > PRODUCTS_MAX {
                return Err(MessageError::exact(
                    INVALID_PARAMETER,
                    item.path(),
                    format!(
                        "{}: at most {PRODUCTS_MAX} products are allowed across all sections, got {total}; remove {} and any product after it",
                        arr.path(),
                        item.path()
                    ),
                ));
            }
            item.only(&["product_retailer_id"])?;
            product_items.push(ProductItem {
                product_retailer_id: item.text(
                    "product_retailer_id",
                    256,
                    "give the product's SKU",
                )?,
            });
        }
        sections.push(ProductSection {
            title,
            product_items,
        });
    }
    Ok(ProductListAction {
        catalog_id,
        sections,
    })
}

/// Parses the action of a `catalog_message`.
pub(crate) fn parse_catalog(a: &Obj<'_>) -> Check<CatalogAction> {
    a.only(&["name", "parameters"])?;
    let name = a.one_of("name", &["catalog_message"])?.to_string();
    let parameters = match a.opt_obj("parameters")? {
        None => None,
        Some(p) => {
            p.only(&["thumbnail_product_retailer_id"])?;
            Some(CatalogParameters {
                thumbnail_product_retailer_id: p.opt_text("thumbnail_product_retailer_id", 256)?,
            })
        }
    };
    Ok(CatalogAction { name, parameters })
}

/// Checks an amount object `{value, offset, …}` at `key`.
fn amount(o: &Obj<'_>, key: &str, required: bool) -> Check<()> {
    let a = match o.opt_obj(key)? {
        Some(a) => a,
        None if required => {
            return Err(o.missing(key, "add {\"value\": <integer>, \"offset\": 100}"))
        }
        None => return Ok(()),
    };
    a.int(
        "value",
        "give the amount as an integer, multiplied by offset",
    )?;
    let offset = a.int("offset", "give the offset, e.g. 100")?;
    if offset <= 0 {
        return Err(MessageError::bad_value(
            a.at_key("offset"),
            "must be a positive integer, e.g. 100",
        ));
    }
    Ok(())
}

/// Parses the action of an `order_details` message (`review_and_pay`).
pub(crate) fn parse_order_details(a: &Obj<'_>) -> Check<OrderAction> {
    a.only(&["name", "parameters"])?;
    let name = a.one_of("name", &["review_and_pay"])?.to_string();
    let p = a.obj("parameters", "add the order parameters")?;
    let reference_id = p.str("reference_id", "give a unique reference id for the order")?;
    p.check_len("reference_id", reference_id, 256)?;
    p.one_of("type", &["digital-goods", "physical-goods"])?;
    let currency = p.str("currency", "give the ISO 4217 currency code, e.g. INR")?;
    if !is_currency_code(currency) {
        return Err(MessageError::bad_value(
            p.at_key("currency"),
            format!("must be an ISO 4217 currency code of three capital letters, got `{currency}`"),
        ));
    }
    amount(&p, "total_amount", true)?;
    let order = p.obj("order", "add the order object")?;
    order.str("status", "set the order status, e.g. pending")?;
    let items = order.arr("items", "add at least one item")?;
    items.count(1, 999, "items")?;
    for item in items.objects() {
        let item = item?;
        item.text("name", 1024, "give the item name")?;
        item.int("quantity", "give the quantity")?;
        amount(&item, "amount", true)?;
        amount(&item, "sale_amount", false)?;
    }
    amount(&order, "subtotal", true)?;
    for key in ["tax", "shipping", "discount"] {
        amount(&order, key, false)?;
    }
    Ok(OrderAction {
        name,
        parameters: p.map().clone(),
    })
}

/// Parses the action of an `order_status` message (`review_order`).
pub(crate) fn parse_order_status(a: &Obj<'_>) -> Check<OrderAction> {
    a.only(&["name", "parameters"])?;
    let name = a.one_of("name", &["review_order"])?.to_string();
    let p = a.obj(
        "parameters",
        "add {\"reference_id\": …, \"order\": {\"status\": …}}",
    )?;
    let reference_id = p.str(
        "reference_id",
        "give the reference id of the order_details message",
    )?;
    p.check_len("reference_id", reference_id, 256)?;
    let order = p.obj("order", "add {\"status\": …}")?;
    order.one_of(
        "status",
        &[
            "pending",
            "processing",
            "partially_shipped",
            "shipped",
            "completed",
            "canceled",
        ],
    )?;
    order.opt_limited("description", 1024)?;
    Ok(OrderAction {
        name,
        parameters: p.map().clone(),
    })
}
