//! Settings that change what the rules compare against, from the
//! configuration.

use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Settings {
    /// Quota values the account really has, by quota code, replacing AWS's
    /// defaults in the `quota` rules.
    pub quotas: BTreeMap<String, f64>,
}
