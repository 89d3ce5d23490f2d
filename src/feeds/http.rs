//! The HTTP client every feed shares: timeouts, a cap on the size of an answer, bearer
//! tokens or HTTP basic authentication, no redirects, and errors that say what happened in a
//! sentence (from carrel's own error body, an RFC 7807 problem, or the status alone).

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

/// How a client proves who it is. `Debug` never shows a secret (see [`Secret`]).
#[derive(Debug, Clone)]
enum Auth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)` (RFC 7617).
    Basic {
        user: String,
        password: Secret,
    },
}

/// A client for one remote API.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: Url,
    auth: Auth,
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
            auth: endpoint.token.clone().map_or(Auth::None, Auth::Bearer),
            http,
            max_body: endpoint.max_body_bytes,
        })
    }

    /// The same client authenticating with HTTP basic authentication (RFC 7617) as `user`
    /// instead of a bearer token, as Qmatic Orchestra wants. The password is sent only in the
    /// `Authorization` header: never in a URL, a log line, an error or `Debug`.
    pub fn with_basic_auth(mut self, user: &str, password: Secret) -> Self {
        self.auth = Auth::Basic { user: user.to_owned(), password };
        self
    }

    /// The URL every path is joined to.
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

    /// `PUT path` without a body, returning the body of a 2xx answer (empty for a 204).
    pub async fn put_empty(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        self.send(Method::PUT, self.url(path)?, None).await
    }

    /// `DELETE path`, returning the body of a 2xx answer (empty for a 204).
    pub async fn delete(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        self.send(Method::DELETE, self.url(path)?, None).await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, FetchError> {
        let mut req = self.http.request(method, url).header("accept", "application/json");
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(t) => req = req.bearer_auth(t.expose()),
            Auth::Basic { user, password } => req = req.basic_auth(user, Some(password.expose())),
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

/// An RFC 7807 problem document (`application/problem+json`): the members carrel reads.
#[derive(Debug, serde::Deserialize)]
struct Problem {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// A plain JSON error body with a `message` (Orchestra's, and many servers').
#[derive(Debug, serde::Deserialize)]
struct Plain {
    message: String,
}

/// The error of a non-2xx answer: from carrel's own error body when it is one, else from an
/// RFC 7807 problem (its `detail`, else its `title`; its `type` as the code), else from a JSON
/// object's `message`, else the status's reason phrase. Every string is cleaned and cut
/// before it can reach a terminal or a log.
fn status_error(status: StatusCode, body: &[u8]) -> FetchError {
    let reason = || status.canonical_reason().unwrap_or("error").to_owned();
    let (code, message) = if let Ok(e) = serde_json::from_slice::<ApiError>(body) {
        (Some(clean_text(&e.error.code, 64)), clean_text(&e.error.message, 200))
    } else if let Ok(p) = serde_json::from_slice::<Problem>(body)
        && (p.title.is_some() || p.detail.is_some())
    {
        let text = p.detail.or(p.title).unwrap_or_default();
        let message = clean_text(&text, 200);
        let code = p.kind.filter(|t| t != "about:blank").map(|t| clean_text(&t, 64));
        (code, if message.is_empty() { reason() } else { message })
    } else if let Ok(p) = serde_json::from_slice::<Plain>(body)
        && !p.message.trim().is_empty()
    {
        (None, clean_text(&p.message, 200))
    } else {
        (None, reason())
    };
    FetchError::Status { status: status.as_u16(), code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_document_gives_the_message_and_a_plain_error_the_reason() {
        let problem = br#"{"type":"https://example.org/probs/no-branch","title":"Not found",
            "status":404,"detail":"branch 9 \u001b[31mdoes not exist"}"#;
        let e = status_error(StatusCode::NOT_FOUND, problem);
        assert_eq!(
            e,
            FetchError::Status {
                status: 404,
                code: Some("https://example.org/probs/no-branch".into()),
                message: "branch 9 [31mdoes not exist".into(),
            }
        );
        let title_only = br#"{"type":"about:blank","title":"Service Unavailable"}"#;
        let e = status_error(StatusCode::SERVICE_UNAVAILABLE, title_only);
        assert_eq!(e.to_string(), "HTTP 503: Service Unavailable");
        assert!(matches!(e, FetchError::Status { code: None, .. }));
        let html = b"<html><body>Internal error</body></html>";
        let e = status_error(StatusCode::INTERNAL_SERVER_ERROR, html);
        assert_eq!(e.to_string(), "HTTP 500: Internal Server Error");
        let plain = br#"{"status":409,"message":"'zed' is not on duty now"}"#;
        let e = status_error(StatusCode::CONFLICT, plain);
        assert_eq!(e.to_string(), "HTTP 409: 'zed' is not on duty now");
        let unrelated = br#"{"timestamp":1,"status":401}"#;
        let e = status_error(StatusCode::UNAUTHORIZED, unrelated);
        assert_eq!(e.to_string(), "HTTP 401: Unauthorized");
        let own = br#"{"error":{"code":"conflict","message":"no"}}"#;
        assert_eq!(status_error(StatusCode::CONFLICT, own).to_string(), "HTTP 409: no");
    }

    #[test]
    fn the_basic_auth_password_never_shows_in_debug() {
        let endpoint = crate::config::Endpoint {
            url: "http://127.0.0.1:9/".parse().unwrap(),
            token: None,
            token_origin: None,
            connect_timeout: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(1),
            max_body_bytes: 1024,
        };
        let client = ApiClient::new(&endpoint)
            .unwrap()
            .with_basic_auth("desk-api", Secret::new("hunter2-orchestra"));
        let shown = format!("{client:?}");
        assert!(shown.contains("desk-api") && !shown.contains("hunter2"), "{shown}");
    }
}
