//! The HTTP client every feed shares: timeouts, a cap on the size of an answer, bearer
//! tokens or HTTP basic authentication, no redirects, and errors that say what happened in a
//! sentence.
//!
//! An error answer is read in the shapes APIs use for them: carrel's own `ApiError`, RFC 7807
//! problem details (`application/problem+json`: `title`, `detail`), OAuth 2.0 errors
//! (`error`, `error_description`), a bare `{"error": "…"}` and a bare `{"message": "…"}`
//! (FROST-Server's `{code, type, message}`, Occuspace's envelope); anything else is told by its
//! status. The text is cleaned and cut before it goes into the [`FetchError`].

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
    /// HTTP basic authentication (RFC 7617), in place of a bearer token, as Qmatic Orchestra
    /// wants; `Secret` keeps the password out of `Debug`.
    basic: Option<(String, Secret)>,
    /// How far the server's clock is ahead of ours, in milliseconds, from the `Date` header
    /// of its latest answer (shared by the clones of this client).
    clock_offset_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
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
            basic: None,
            clock_offset_ms: Default::default(),
        })
    }

    /// The same client authenticating with HTTP basic authentication (RFC 7617) as `user`
    /// instead of a bearer token, as Qmatic Orchestra wants. The password is sent only in the
    /// `Authorization` header: never in a URL, a log line, an error or `Debug`.
    pub fn with_basic_auth(mut self, user: &str, password: Secret) -> Self {
        self.basic = Some((user.to_owned(), password));
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Now by the server's clock, as its latest answer's `Date` header told it (our clock
    /// before any answer). A source whose records carry no report time of their own (LibCal's
    /// bookings) is read against it, so "today" and "begun 20 minutes ago" mean what they mean
    /// to the server even when this workstation's clock is off.
    pub fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        let offset = self.clock_offset_ms.load(std::sync::atomic::Ordering::Relaxed);
        chrono::Utc::now() + chrono::Duration::milliseconds(offset)
    }

    /// Notes the server's clock from an answer's `Date` header (second resolution; an
    /// unreadable one is ignored).
    fn note_date(&self, headers: &reqwest::header::HeaderMap) {
        let Some(date) = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
        else {
            return;
        };
        let offset = (date.to_utc() - chrono::Utc::now()).num_milliseconds();
        self.clock_offset_ms.store(offset, std::sync::atomic::Ordering::Relaxed);
    }

    /// `GET` of a link the API handed out (a next page's `@iot.nextLink`), absolute or relative
    /// to the base, returning the body of a 2xx answer. A link that leaves the API — another
    /// scheme, host or port, or a path outside the base's — is refused without a request, so
    /// the client's token is never sent to a place the configuration did not name.
    pub async fn get_link(&self, link: &str) -> Result<Vec<u8>, FetchError> {
        let url = self.link(link)?;
        self.send(Method::GET, url, None, Bearer::Own).await
    }

    /// `link` resolved against the base, if it stays within the API.
    fn link(&self, link: &str) -> Result<Url, FetchError> {
        let shown = || clean_text(link, 120);
        let url = self
            .base
            .join(link.trim())
            .map_err(|e| FetchError::Malformed(format!("link {:?} is not a URL: {e}", shown())))?;
        let base_dir = match self.base.path().rfind('/') {
            Some(i) => &self.base.path()[..=i],
            None => "/",
        };
        let within = url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none()
            && url.path().starts_with(base_dir);
        if !within {
            return Err(FetchError::Malformed(format!(
                "link {:?} leaves the API at {}; not followed",
                shown(),
                crate::config::redact_url(self.base.as_str())
            )));
        }
        Ok(url)
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
        self.send(Method::GET, url, None, Bearer::Own).await
    }

    /// `POST path` with a JSON body, returning the body of a 2xx answer.
    pub async fn post<B: Serialize>(&self, path: &str, body: &B) -> Result<Vec<u8>, FetchError> {
        let json = serde_json::to_vec(body).map_err(|e| FetchError::Other(e.to_string()))?;
        let body = Body { content_type: "application/json", bytes: json };
        self.send(Method::POST, self.url(path)?, Some(body), Bearer::Own).await
    }

    /// `GET path?query` with `token` as the bearer token in place of the client's own (for an
    /// API whose tokens the feed obtains and renews itself, such as LibCal's OAuth tokens).
    pub async fn get_with_token(
        &self,
        path: &str,
        query: &[(&str, String)],
        token: &Secret,
    ) -> Result<Vec<u8>, FetchError> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        self.send(Method::GET, url, None, Bearer::Given(token)).await
    }

    /// `POST path` without a body, with `token` as the bearer token in place of the client's
    /// own (an action such as cancelling a booking, named wholly by its path).
    pub async fn post_with_token(&self, path: &str, token: &Secret) -> Result<Vec<u8>, FetchError> {
        self.send(Method::POST, self.url(path)?, None, Bearer::Given(token)).await
    }

    /// `POST path` with `fields` as an `application/x-www-form-urlencoded` body (an OAuth 2.0
    /// token request), returning the body of a 2xx answer. The fields may hold a secret: it
    /// goes in the body only, never in the URL, so it cannot reach a log of URLs or an error.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Vec<u8>, FetchError> {
        let bytes = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().copied())
            .finish()
            .into_bytes();
        let body = Body { content_type: "application/x-www-form-urlencoded", bytes };
        self.send(Method::POST, self.url(path)?, Some(body), Bearer::Own).await
    }

    /// `PUT path` without a body, returning the body of a 2xx answer (empty for a 204).
    pub async fn put_empty(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        self.send(Method::PUT, self.url(path)?, None, Bearer::Own).await
    }

    /// `DELETE path`, returning the body of a 2xx answer (empty for a 204).
    pub async fn delete(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        self.send(Method::DELETE, self.url(path)?, None, Bearer::Own).await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Body>,
        bearer: Bearer<'_>,
    ) -> Result<Vec<u8>, FetchError> {
        let mut req = self.http.request(method, url).header("accept", "application/json");
        let token = match bearer {
            Bearer::Own => self.token.as_ref(),
            Bearer::Given(t) => Some(t),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t.expose());
        } else if let Some((user, password)) = &self.basic {
            req = req.basic_auth(user, Some(password.expose()));
        }
        if let Some(b) = body {
            req = req.header("content-type", b.content_type).body(b.bytes);
        }
        let mut resp = req.send().await.map_err(|e| FetchError::from_reqwest(&e))?;
        self.note_date(resp.headers());
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

/// A request body and its media type.
struct Body {
    content_type: &'static str,
    bytes: Vec<u8>,
}

/// Which bearer token a request carries.
enum Bearer<'a> {
    /// The client's own, if it was configured with one.
    Own,
    /// This one, in place of the client's own.
    Given(&'a Secret),
}

/// An RFC 7807 problem details body: every member optional.
#[derive(serde::Deserialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    detail: Option<String>,
}

/// An OAuth 2.0 error (RFC 6749 §5.2), or a bare `{"error": "…"}`.
#[derive(serde::Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

/// A plain JSON error body with a `message` (Orchestra's, FROST-Server's, and many others').
#[derive(serde::Deserialize)]
struct Plain {
    message: String,
}

/// The error of a non-2xx answer, in the words of the API's error body when it has one.
fn status_error(status: StatusCode, body: &[u8]) -> FetchError {
    let reason = || status.canonical_reason().unwrap_or("error").to_owned();
    let (code, message) = if let Ok(e) = serde_json::from_slice::<ApiError>(body) {
        (Some(clean_text(&e.error.code, 64)), clean_text(&e.error.message, 200))
    } else if let Ok(e) = serde_json::from_slice::<OAuthError>(body) {
        match e.error_description {
            Some(d) => (Some(clean_text(&e.error, 64)), clean_text(&d, 200)),
            None => (None, clean_text(&e.error, 200)),
        }
    } else if let Ok(p) = serde_json::from_slice::<Problem>(body)
        && (p.title.is_some() || p.detail.is_some())
    {
        // "Not Found: no booking cs_123" — the title says what, the detail says which.
        let words: Vec<&str> =
            [p.title.as_deref(), p.detail.as_deref()].into_iter().flatten().collect();
        let code = p.kind.filter(|k| k != "about:blank").map(|k| clean_text(&k, 64));
        (code, clean_text(&words.join(": "), 200))
    } else if let Ok(p) = serde_json::from_slice::<Plain>(body) {
        (None, clean_text(&p.message, 200))
    } else {
        (None, reason())
    };
    let message = if message.is_empty() { reason() } else { message };
    FetchError::Status { status: status.as_u16(), code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(status: u16, body: &str) -> (Option<String>, String) {
        match status_error(StatusCode::from_u16(status).unwrap(), body.as_bytes()) {
            FetchError::Status { code, message, .. } => (code, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_bodies_become_a_sentence_in_each_shape() {
        assert_eq!(
            said(409, r#"{"error":{"code":"not_away","message":"seat S1 is free"}}"#),
            (Some("not_away".into()), "seat S1 is free".into())
        );
        assert_eq!(
            said(
                404,
                r#"{"type":"https://example.org/probs/no-booking","title":"Not Found","status":404,"detail":"no booking cs_1\u001b[2J"}"#
            ),
            (
                Some("https://example.org/probs/no-booking".into()),
                "Not Found: no booking cs_1[2J".into()
            )
        );
        assert_eq!(
            said(400, r#"{"type":"about:blank","title":"Bad Request"}"#),
            (None, "Bad Request".into())
        );
        assert_eq!(
            said(
                401,
                r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#
            ),
            (Some("invalid_client".into()), "Client authentication failed".into())
        );
        assert_eq!(
            said(400, r#"{"error":"Booking not found"}"#),
            (None, "Booking not found".into())
        );
        assert_eq!(said(502, "<html>bad gateway</html>"), (None, "Bad Gateway".into()));
        assert_eq!(
            said(404, r#"{"code":404,"type":"error","message":"Nothing found."}"#),
            (None, "Nothing found.".into())
        );
        assert_eq!(said(401, r#"{"message":"Unauthorized"}"#), (None, "Unauthorized".into()));
        assert_eq!(said(500, r#"{"title":""}"#), (None, "Internal Server Error".into()));
        let (_, long) = said(400, &format!(r#"{{"title":"{}"}}"#, "x".repeat(5000)));
        assert_eq!(long.chars().count(), 200);
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
        assert_eq!(
            status_error(
                StatusCode::CONFLICT,
                br#"{"status":409,"message":"'zed' is not on duty now"}"#
            )
            .to_string(),
            "HTTP 409: 'zed' is not on duty now"
        );
    }

    fn client(base: &str) -> ApiClient {
        ApiClient::new(&Endpoint {
            url: base.parse().unwrap(),
            token: Some(Secret::new("t0ken")),
            token_origin: None,
            connect_timeout: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(1),
            max_body_bytes: 1024,
        })
        .unwrap()
    }

    #[test]
    fn links_are_followed_only_within_the_api() {
        let c = client("https://frost.example/sta/v1.1/");
        let ok = [
            (
                "https://frost.example/sta/v1.1/Datastreams(4)/Observations?$skip=1",
                "https://frost.example/sta/v1.1/Datastreams(4)/Observations?$skip=1",
            ),
            (
                "https://frost.example:443/sta/v1.1/Things?$skip=100",
                "https://frost.example/sta/v1.1/Things?$skip=100",
            ),
            ("Things?$skip=100", "https://frost.example/sta/v1.1/Things?$skip=100"),
        ];
        for (link, url) in ok {
            assert_eq!(c.link(link).unwrap().as_str(), url, "{link}");
        }
        for link in [
            "http://frost.example/sta/v1.1/Things",
            "https://evil.example/sta/v1.1/Things",
            "https://frost.example:8443/sta/v1.1/Things",
            "https://frost.example/other/Things",
            "https://u:p@frost.example/sta/v1.1/Things",
            "//evil.example/sta/v1.1/Things",
            "../../admin",
        ] {
            let e = c.link(link).unwrap_err();
            let text = e.to_string();
            assert!(text.contains("leaves the API at https://frost.example/sta/v1.1/"), "{text}");
        }
        let e = c.link("https://frost.example/\u{1b}[2J\u{202e}x").unwrap_err();
        assert!(!e.to_string().contains('\u{1b}') && !e.to_string().contains('\u{202e}'), "{e}");
        // A base without a trailing slash keeps its last segment's directory.
        let c = client("http://127.0.0.1:9/sensorthings/v1.1");
        assert!(c.link("http://127.0.0.1:9/sensorthings/v1.1/Things").is_ok());
        assert!(c.link("http://127.0.0.1:9/v1/seats").is_err());
    }
}
