#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Switchboard core's tests in one binary: the pure domain layer (message model and limits,
//! templates, automation, media rules) checked without a server or a database.

mod automation_decide;
mod automation_hours;
mod automation_rules;
mod automation_settings;
mod automation_spintax;
mod field_errors;
mod media_rules;
mod message_kinds;
mod message_limits;
mod oas_examples;
mod properties;
mod template_def_props;
mod template_def_send;
mod template_def_validate;
