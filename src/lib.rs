//! overexposed: audits AWS accounts for API Gateway methods and network paths that expose a
//! private backend beyond its owner account.
//!
//! Pipeline (each arrow one way): CLI → scan plan → [`aws`] collect → [`inventory::Inventory`]
//! → [`policy`] + [`analysis`] → [`model::Finding`]s → [`report`].

pub mod analysis;
pub mod arn;
pub mod aws;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod inventory;
pub mod model;
pub mod operation;
pub mod policy;
pub mod report;
pub mod rules;
