//! How a command fails: bad input (exit status 2), a failure while working (exit status 1), or,
//! for `carrel status`, a feed that needs attention (exit status 3).

use crate::config::ConfigError;
use crate::engine::ingest::IngestError;
use crate::services::ServiceError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// What the user gave (a flag, a file, a path, a config value) is wrong. Exit status 2.
    #[error("{0}")]
    BadInput(String),
    /// Something failed while working. Exit status 1.
    #[error("{0}")]
    Failed(String),
    /// The command worked and found a problem to report: `carrel status` with a feed stale or
    /// failing. Exit status 3, so monitoring can tell it from a failure to check at all.
    #[error("{0}")]
    Unhealthy(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Unhealthy(_) => 3,
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::BadInput(e.to_string())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        if e.is_bad_input() {
            CliError::BadInput(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

impl From<ServiceError> for CliError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(e) => e.into(),
            ServiceError::NotFound(m) | ServiceError::Invalid(m) => CliError::BadInput(m),
            ServiceError::Denied(m) | ServiceError::Conflict(m) => CliError::Failed(m),
            other => CliError::Failed(other.to_string()),
        }
    }
}

impl From<crate::services::keys::KeyError> for CliError {
    fn from(e: crate::services::keys::KeyError) -> Self {
        if e.is_bad_input() {
            CliError::BadInput(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

impl From<crate::input::InputError> for CliError {
    fn from(e: crate::input::InputError) -> Self {
        CliError::BadInput(e.to_string())
    }
}

impl From<crate::witness::StateError> for CliError {
    fn from(e: crate::witness::StateError) -> Self {
        if e.is_bad_input() {
            CliError::BadInput(e.to_string())
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

impl From<crate::witness::WitnessError> for CliError {
    fn from(e: crate::witness::WitnessError) -> Self {
        match e {
            crate::witness::WitnessError::BadKey(m) => CliError::BadInput(m),
            crate::witness::WitnessError::State(e) => e.into(),
        }
    }
}

impl From<IngestError> for CliError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Store(e) => e.into(),
            other => CliError::Failed(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Failed(e.to_string())
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
