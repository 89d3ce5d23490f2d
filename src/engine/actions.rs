//! Actions that change the library: checked and recorded through `services`, carried out by
//! the source that serves them (`feeds::source`). Shared by the console and the headless
//! commands.

use super::SharedStore;
use crate::domain::api::ServicePointChange;
use crate::domain::service_point::ServicePoint;
use crate::feeds::{Capability, FetchError, Sources};
use crate::services::identity::Actor;
use crate::services::{self, ServiceError};

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The source asked refused or failed; it is named in the message.
    #[error("source '{source_name}' refused or failed: {why}")]
    Api { source_name: &'static str, why: String },
    /// No configured source carries the action out.
    #[error(
        "{0}; configure one that does (carrel's own sensor API: CARREL_SENSOR_URL or [feeds.sensor] url)"
    )]
    NoSource(FetchError),
}

/// The source that carries `what` out, or why there is none.
fn source(sources: &Sources, what: Capability) -> Result<&crate::feeds::SensorSource, ActionError> {
    sources.serving(what).map_err(ActionError::NoSource)
}

/// Opens, closes or (re)staffs a window: checks the actor, asks the source that changes windows,
/// records what it confirms. Returns the window as it is now.
pub async fn change_window(
    db: &SharedStore,
    sources: &Sources,
    actor: &Actor,
    window: &str,
    change: &ServicePointChange,
) -> Result<ServicePoint, ActionError> {
    let sensor = source(sources, Capability::ChangeWindow)?;
    let (a, id, c) = (actor.clone(), window.to_owned(), change.clone());
    let (role, before) = db.run(move |s| services::windows::check_change(s, &a, &id, &c)).await?;
    match sensor.change_service_point(window, change, chrono::Utc::now()).await {
        Ok(after) => {
            let (a, c, result) = (actor.clone(), change.clone(), after.clone());
            db.run(move |s| services::windows::record_change(s, &a, &role, &before, &c, &result))
                .await?;
            Ok(after)
        }
        Err(e) => {
            let (a, id, c, why) = (actor.clone(), window.to_owned(), change.clone(), e.to_string());
            db.run(move |s| services::windows::record_failure(s, &a, &role, &id, &c, &why)).await?;
            Err(ActionError::Api { source_name: sensor.name(), why: e.to_string() })
        }
    }
}

/// Releases a ghost seat: checks the actor and the seat, asks the source that releases seats,
/// records the state it confirms. Returns the seat's label.
pub async fn release_seat(
    db: &SharedStore,
    sources: &Sources,
    actor: &Actor,
    seat_id: &str,
) -> Result<String, ActionError> {
    let sensor = source(sources, Capability::ReleaseSeat)?;
    let (a, id) = (actor.clone(), seat_id.to_owned());
    let (role, label) = db.run(move |s| services::seats::check_release(s, &a, &id)).await?;
    let known = db.run(|s| services::reads::seat_ids(s)).await?;
    match sensor.release_seat(seat_id, &known).await {
        Ok(confirmed) => {
            let a = actor.clone();
            db.run(move |s| services::seats::record_release(s, &a, &role, &confirmed)).await?;
            Ok(label)
        }
        Err(e) => {
            let (a, id, why) = (actor.clone(), seat_id.to_owned(), e.to_string());
            db.run(move |s| services::seats::record_release_failure(s, &a, &role, &id, &why))
                .await?;
            Err(ActionError::Api { source_name: sensor.name(), why: e.to_string() })
        }
    }
}
