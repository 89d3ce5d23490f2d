//! Recommendations at the desk: from the recommendation API when it answers in time, else from
//! carrel's own model over the local loans (the one the site's backtest chose), marked as a
//! fallback with the reason.

use std::time::Duration;

use serde::Serialize;

use crate::domain::recs::ModelKind;
use crate::feeds::recs::RecsClient;
use crate::services::ServiceError;
use crate::services::desk::{self, DeskRecommendation, Provenance};
use crate::services::recs;
use crate::store::Store;

/// How long the desk waits for the recommendation API before using its own model.
pub const RECS_WAIT: Duration = Duration::from_secs(3);

/// Recommendations with where they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Served {
    pub provenance: Provenance,
    /// Why the local model was used, when it was.
    pub fallback_reason: Option<String>,
    pub items: Vec<DeskRecommendation>,
}

impl Served {
    pub fn is_fallback(&self) -> bool {
        self.fallback_reason.is_some()
    }
}

/// What the API answered: its recommendations, or why it could not be used.
pub async fn ask_api(
    client: Option<&RecsClient>,
    pseudonym: &str,
    k: u32,
    wait: Duration,
) -> Result<crate::feeds::validate::RecommendationsUpdate, String> {
    let Some(client) = client else {
        return Err("no recommendation API is configured".into());
    };
    match tokio::time::timeout(wait, client.recommendations(pseudonym, k)).await {
        Err(_) => Err(format!("the recommendation API did not answer within {} s", wait.as_secs())),
        Ok(Err(e)) => Err(format!("the recommendation API: {e}")),
        Ok(Ok(update)) if update.items.is_empty() => {
            Err("the recommendation API had nothing for this patron".into())
        }
        Ok(Ok(update)) => Ok(update),
    }
}

/// Turns the API's answer (or its failure) into what the desk serves, reading the stored model
/// provenance and, on failure, the local model.
pub fn served(
    store: &Store,
    pseudonym: &str,
    k: u32,
    answer: Result<crate::feeds::validate::RecommendationsUpdate, String>,
) -> Result<Served, ServiceError> {
    let model = desk::model(store)?;
    Ok(match answer {
        Ok(update) => Served {
            provenance: Provenance {
                source: "api".into(),
                model_version: update.model_version.clone(),
                training_mode: model.map_or("unknown".into(), |m| m.training_mode),
            },
            fallback_reason: None,
            items: update
                .items
                .into_iter()
                .map(|r| DeskRecommendation {
                    item_id: r.item_id,
                    title: r.title,
                    score: r.score,
                    reasons: r.reasons,
                })
                .collect(),
        },
        Err(why) => {
            let local = recs::local_recommendations(store, pseudonym, k as usize)?;
            Served {
                provenance: local_provenance(local.model, local.choice.is_some()),
                fallback_reason: Some(why),
                items: local.items,
            }
        }
    })
}

/// The provenance of the local fallback: the model by a name that reads aloud well, and
/// whether the site's backtest chose it (item-based CF serves until one has).
fn local_provenance(model: ModelKind, chosen: bool) -> Provenance {
    Provenance {
        source: "local".into(),
        model_version: format!("carrel {}", model.spoken()),
        training_mode: if chosen {
            "local loans, chosen by backtest".into()
        } else {
            "local loans, no backtest yet".into()
        },
    }
}
