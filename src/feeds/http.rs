//! The HTTP client both feeds share: timeouts, a cap on the size of an answer, bearer
//! tokens, no redirects, and errors that say what happened in a sentence.

use reqwest::{Client, Method, StatusCode, Url};
use serde::Serialize;

use crate::config::{Endpoint, Secret};
use crate::domain::api::ApiError;
use crate::domain::sanitize::clean_text;

/// Why a request produced no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out")]
    Timeout,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("HTTP {status}: {message}")]
    Status { status: u16, code: Option<String>, message: String },
    #[error("answer larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// A source was asked for something it does not give (a feed or an action).
    #[error("source '{name}' does not give {what}")]
    NotGiven { name: &'static str, what: super::source::Capability },
    /// No configured source gives this.
    #[error("no configured source gives {what}")]
    NoSource { what: super::source::Capability },
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// The HTTP status, when the API answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn from_reqwest(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            FetchError::Timeout
        } else if e.is_connect() || e.is_request() {
            // Sending failed: refused, reset, or a kept-alive connection the server closed.
            FetchError::Connect(clean_text(&innermost(e), 200))
        } else if e.is_body() || e.is_decode() {
            FetchError::Malformed(clean_text(&innermost(e), 200))
        } else {
            FetchError::Other(clean_text(&innermost(e), 200))
        }
    }
}

fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A client for one remote API.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: Url,
    token: Option<Secret>,
    http: Client,
    max_body: u64,
}

impl ApiClient {
    /// The client of the API at `endpoint`, with its timeouts, size cap and token. Only
    /// [`super::source::Sources`] makes them, so every client is made the same way.
    pub fn new(endpoint: &Endpoint) -> Result<Self, FetchError> {
        let http = Client::builder()
            .connect_timeout(endpoint.connect_timeout)
            .timeout(endpoint.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("carrel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Other(e.to_string()))?;
        Ok(Self {
            base: endpoint.url.clone(),
            token: endpoint.token.clone(),
            http,
            max_body: endpoint.max_body_bytes,
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<Url, FetchError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| FetchError::Other(format!("bad path {path}: {e}")))
    }

    /// `GET path?query`, returning the body of a 2xx answer.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<u8>, FetchError> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        self.send(Method::GET, url, None).await
    }

    /// `POST path` with a JSON body, returning the body of a 2xx answer.
    pub async fn post<B: Serialize>(&self, path: &str, body: &B) -> Result<Vec<u8>, FetchError> {
        let json = serde_json::to_vec(body).map_err(|e| FetchError::Other(e.to_string()))?;
        self.send(Method::POST, self.url(path)?, Some(json)).await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, FetchError> {
        let mut req = self.http.request(method, url).header("accept", "application/json");
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.expose());
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let mut resp = req.send().await.map_err(|e| FetchError::from_reqwest(&e))?;
        let status = resp.status();
        if let Some(len) = resp.content_length()
            && len > self.max_body
        {
            return Err(FetchError::TooLarge { limit: self.max_body });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| FetchError::from_reqwest(&e))? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge { limit: self.max_body });
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() { Ok(body) } else { Err(status_error(status, &body)) }
    }
}

/// The error of a non-2xx answer, using the API's own error body when it has one.
fn status_error(status: StatusCode, body: &[u8]) -> FetchError {
    let (code, message) = match serde_json::from_slice::<ApiError>(body) {
        Ok(e) => (Some(clean_text(&e.error.code, 64)), clean_text(&e.error.message, 200)),
        Err(_) => (None, status.canonical_reason().unwrap_or("error").to_owned()),
    };
    FetchError::Status { status: status.as_u16(), code, message }
}
