//! Settings that change what the rules compare against, from the
//! configuration.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Quota values the account really has, by quota code, replacing AWS's
    /// defaults in the `quota` rules.
    pub quotas: BTreeMap<String, f64>,
    /// The largest file read, in bytes, the policies a spec names included.
    pub max_file_size: u64,
    /// On-demand prices per Region and instance type (USD per hour), when
    /// `plan` or `apply` was given them.
    pub on_demand_prices: Option<OnDemandPrices>,
    /// Whether on-demand prices neither the spec nor `on_demand_prices`
    /// gives are looked up (`plan` and `apply` ask the AWS Price List
    /// API).
    pub prices_looked_up: bool,
    /// AWS accounts of the user's own organisation (`[iam]
    /// organization-accounts`).
    pub organization_accounts: Vec<String>,
    /// The live account, when `preflight` looked at it.
    pub live: Option<crate::live::Live>,
    /// What the other specs of the run need, when some share a Region and
    /// an account.
    pub fleet: Option<std::sync::Arc<crate::fleet::Fleet>>,
}

/// `{"us-east-1": {"m7i.large": 0.1008}}`.
pub type OnDemandPrices = BTreeMap<String, BTreeMap<String, f64>>;

/// The largest input read unless configured otherwise: far above any spec
/// or policy (IAM accepts documents of at most 131,072 characters), far
/// below what would strain memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            quotas: BTreeMap::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            on_demand_prices: None,
            prices_looked_up: false,
            organization_accounts: Vec::new(),
            live: None,
            fleet: None,
        }
    }
}
