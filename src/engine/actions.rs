//! Actions that change the library: checked and recorded through `services`, carried out by
//! the sensor API. Shared by the console and the headless commands.

use super::SharedStore;
use crate::domain::api::ServicePointChange;
use crate::domain::service_point::ServicePoint;
use crate::feeds::sensor::SensorClient;
use crate::services::identity::Actor;
use crate::services::{self, ServiceError};

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("the sensor API refused or failed: {0}")]
    Api(String),
    #[error("the sensor API is not configured")]
    NoApi,
}

/// Opens, closes or (re)staffs a window: checks the actor, asks the sensor API, records what the
/// API confirms. Returns the window as it is now.
pub async fn change_window(
    db: &SharedStore,
    sensor: Option<&SensorClient>,
    actor: &Actor,
    window: &str,
    change: &ServicePointChange,
) -> Result<ServicePoint, ActionError> {
    let sensor = sensor.ok_or(ActionError::NoApi)?;
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
            Err(ActionError::Api(e.to_string()))
        }
    }
}

/// Releases a ghost seat: checks the actor and the seat, asks the sensor API, records the
/// state the API confirms. Returns the seat's label.
pub async fn release_seat(
    db: &SharedStore,
    sensor: Option<&SensorClient>,
    actor: &Actor,
    seat_id: &str,
) -> Result<String, ActionError> {
    let sensor = sensor.ok_or(ActionError::NoApi)?;
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
            Err(ActionError::Api(e.to_string()))
        }
    }
}
