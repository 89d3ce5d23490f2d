//! The recommendation API client: recommendations by pseudonym, model provenance, catalogue.

use super::http::{ApiClient, FetchError};
use super::validate::{self, CatalogUpdate, RecommendationsUpdate};
use crate::domain::api::ModelInfo;
use crate::domain::pseudonym::is_pseudonym;

#[derive(Debug, Clone)]
pub struct RecsClient {
    api: ApiClient,
}

/// Most catalogue items asked for in one page.
pub const CATALOG_PAGE: u32 = 1000;

impl RecsClient {
    pub fn new(api: ApiClient) -> Self {
        Self { api }
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Recommendations for a patron named by pseudonym. A 451 answer means the patron has
    /// withdrawn consent; a 404 that the API does not know them.
    pub async fn recommendations(
        &self,
        pseudonym: &str,
        k: u32,
    ) -> Result<RecommendationsUpdate, FetchError> {
        if !is_pseudonym(pseudonym) {
            return Err(FetchError::Other("not a pseudonym".into()));
        }
        let body = self
            .api
            .get(&format!("v1/recommendations/{pseudonym}"), &[("k", k.to_string())])
            .await?;
        validate::recommendations(&body)
    }

    pub async fn model(&self) -> Result<ModelInfo, FetchError> {
        validate::model(&self.api.get("v1/model", &[]).await?)
    }

    pub async fn catalog(&self, cursor: Option<&str>) -> Result<CatalogUpdate, FetchError> {
        let mut query = vec![("limit", CATALOG_PAGE.to_string())];
        if let Some(c) = cursor {
            query.push(("since", c.to_owned()));
        }
        validate::catalog(&self.api.get("v1/catalog", &query).await?)
    }
}
