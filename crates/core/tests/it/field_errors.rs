//! The assertion the validation tests share: a refusal names a field and says why.

use switchboard_core::automation::FieldErrors;

/// Asserts that `errs` holds an error for `field` whose message contains `says`.
#[track_caller]
pub fn assert_refused(errs: &FieldErrors, field: &str, says: &str) {
    let e = errs
        .0
        .iter()
        .find(|e| e.field == field)
        .unwrap_or_else(|| panic!("no error for {field}: {errs}"));
    assert!(
        e.message.contains(says),
        "{field}: {:?} does not say {says:?}",
        e.message
    );
}
