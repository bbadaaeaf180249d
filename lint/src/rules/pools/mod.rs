//! Node pools: the master pool, pool names, zones and spot settings.

pub mod az_not_in_placement;
pub mod duplicate_name;
pub mod invalid_name;
pub mod master_count;
pub mod master_size;
pub mod master_spread;
pub mod no_workload_capacity;
pub mod single_master;
pub mod spot_on_master;
pub mod spot_price;
pub mod worker_capability_on_worker;
