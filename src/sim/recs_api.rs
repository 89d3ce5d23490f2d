//! Handlers of the recommendation API: recommendations by pseudonym, the model card, and the
//! catalogue.
//!
//! A pseudonym that is not 64 lowercase hex characters is a 400, an unknown one a 404, and a
//! patron without consent a 451 (Unavailable For Legal Reasons): the service must not profile
//! them.
//!
//! May use: server, recs, catalogue, domain, axum.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::calendar::utc;
use super::catalogue::page;
use super::faults::Api;
use super::recs::{Lookup, MAX_K, MODEL_VERSION};
use super::server::{Reply, Shared, answer, params};
use crate::domain::api::{CatalogPage, RecommendationsResponse};
use crate::domain::pseudonym::is_pseudonym;

/// Catalogue items per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 500;
/// The most catalogue items one page may hold.
pub const MAX_LIMIT: usize = 2000;

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// Reads a whole-number parameter in `range`, or its default when absent.
fn count(
    q: &HashMap<String, String>,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, Reply> {
    let Some(text) = q.get(name) else {
        return Ok(default);
    };
    text.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        Reply::bad_request(format!(
            "'{name}' must be a whole number from {} to {}, got '{text}'",
            range.start(),
            range.end()
        ))
    })
}

pub(crate) async fn recommendations(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    who: Result<Path<String>, PathRejection>,
    q: Params,
) -> Response {
    answer(&s, Api::Recs, &headers, |s| {
        let Ok(Path(who)) = who else {
            return Reply::bad_request("unreadable pseudonym");
        };
        if !is_pseudonym(&who) {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "bad_pseudonym",
                "a pseudonym is 64 lowercase hexadecimal characters",
            );
        }
        let k = match params(q).and_then(|q| count(&q, "k", 10, 1..=MAX_K)) {
            Ok(k) => k,
            Err(reply) => return reply,
        };
        match s.recs.lookup(&who) {
            Lookup::Unknown => Reply::error(
                StatusCode::NOT_FOUND,
                "unknown_patron",
                "no patron has this pseudonym",
            ),
            Lookup::NoConsent => Reply::error(
                StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
                "consent_withdrawn",
                "the patron has not consented to recommendations",
            ),
            Lookup::Patron(p) => Reply::ok(&RecommendationsResponse {
                pseudonym: who,
                model_version: MODEL_VERSION.to_owned(),
                generated_at: utc(s.clock.now()),
                items: s.recs.recommend(p, k),
            }),
        }
    })
    .await
}

pub(crate) async fn model(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    answer(&s, Api::Recs, &headers, |s| Reply::ok(&s.recs.model_info(utc(s.clock.start)))).await
}

pub(crate) async fn catalog(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Params,
) -> Response {
    answer(&s, Api::Recs, &headers, |s| {
        let q = match params(q) {
            Ok(q) => q,
            Err(reply) => return reply,
        };
        let limit = match count(&q, "limit", DEFAULT_LIMIT, 1..=MAX_LIMIT) {
            Ok(limit) => limit,
            Err(reply) => return reply,
        };
        let (items, cursor, more) = page(&s.recs.items, q.get("since").map(String::as_str), limit);
        let envelope: CatalogPage =
            CatalogPage { generated_at: utc(s.clock.now()), cursor, more, items: Vec::new() };
        Reply::list(&envelope, items.iter().map(|i| &i.dto))
    })
    .await
}
