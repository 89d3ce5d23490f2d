//! Turns a handler's answer into the HTTP response the client gets, with the plan's faults:
//! hang, delay, server error, hostile or broken records, then a malformed, truncated or
//! oversized body.
//!
//! A hanging or slow response only sleeps its own task, and an oversized body is streamed in
//! 64 KiB pieces of one shared buffer, so neither costs the simulator anything but a socket.
//! The body arrives as JSON bytes; only when records are to be made hostile or broken is it
//! read back into values, changed and written again.
//!
//! May use: the rest of `faults`, random, axum, tokio, serde_json, domain.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::records::mangle;
use super::{Api, FaultPlan};
use crate::domain::api::ApiError;
use crate::sim::random::{Purpose, Stream};

/// How long a `timeout` fault holds a request before answering.
pub const HANG: Duration = Duration::from_secs(120);
/// Size of an `oversized` body's padding: 64 MiB.
pub const OVERSIZED_BYTES: usize = 64 << 20;
const PIECE: usize = 64 << 10;

/// The response for the `request`-th request to `api`, whose handler answered `status` with
/// the JSON `body` (plus `headers`), after the faults `plan` calls for.
pub async fn deliver(
    plan: FaultPlan,
    seed: u64,
    api: Api,
    request: u64,
    status: StatusCode,
    body: Vec<u8>,
    headers: Vec<(HeaderName, HeaderValue)>,
) -> Response {
    let rates = plan.rates(api);
    let mut rng = Stream::new(seed, Purpose::FaultDecision, &[api as u64, request]);
    // Every draw is made whatever the rates, so one fault never shifts another's decisions.
    let hang = rng.chance(rates.timeout);
    let delayed = rng.chance(rates.latency);
    let delay_s = rng.between(0.2, 3.0);
    let fail = rng.chance(rates.errors);
    let failure = rng.below(3);
    let malformed = rng.chance(rates.malformed);
    let truncated = rng.chance(rates.truncated);
    let oversized = rng.chance(rates.oversized);
    let variant = rng.below(4);
    let cut = rng.unit();

    if hang {
        tokio::time::sleep(HANG).await;
    }
    if delayed {
        tokio::time::sleep(Duration::from_secs_f64(delay_s)).await;
    }
    let mut headers = headers;
    let mut status = status;
    let mut bytes = body;
    if status.is_success() && fail {
        let (code, name, message) = [
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the server hit an internal error",
            ),
            (StatusCode::BAD_GATEWAY, "bad_gateway", "the upstream gateway did not answer"),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is overloaded; retry later",
            ),
        ][failure.min(2)];
        status = code;
        bytes =
            serde_json::to_vec(&ApiError::new(name, message)).unwrap_or_else(|_| b"{}".to_vec());
        if code == StatusCode::SERVICE_UNAVAILABLE {
            headers.push((RETRY_AFTER, HeaderValue::from_static("5")));
        }
    }
    if status.is_success()
        && (rates.hostile > 0.0 || rates.bad_records > 0.0)
        && let Ok(mut body) = serde_json::from_slice::<Value>(&bytes)
    {
        let mut records = Stream::new(seed, Purpose::FaultRecords, &[api as u64, request]);
        mangle(&mut body, &mut records, rates.hostile, rates.bad_records);
        bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    }
    let body = if malformed {
        Body::from(malform(&bytes, variant))
    } else if truncated {
        let keep = ((bytes.len() as f64) * (0.1 + 0.8 * cut)) as usize;
        Body::from(bytes[..keep.clamp(1, bytes.len().saturating_sub(1).max(1))].to_vec())
    } else if oversized {
        Body::from_stream(Padding::around(&bytes))
    } else {
        Body::from(bytes)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A body that is not JSON, in one of four ways.
fn malform(bytes: &[u8], variant: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    match variant {
        0 => b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
            .to_vec(),
        1 => text.replacen('"', "'", 1).into_bytes(),
        2 => format!("{{\"generated_at\": NaN, {}", text.get(1..).unwrap_or("}")).into_bytes(),
        _ => format!("{text}\n}}{{").into_bytes(),
    }
}

/// `{"padding":[0,0,…` (64 MiB of zeros) `…0],` followed by the rest of the real body: valid
/// JSON, produced piece by piece from one shared 64 KiB buffer.
struct Padding {
    head: Option<Bytes>,
    piece: Bytes,
    left: usize,
    tail: Option<Bytes>,
}

impl Padding {
    fn around(body: &[u8]) -> Self {
        let rest = match body.split_first() {
            Some((b'{', rest)) if rest != b"}" => {
                let mut t = b"0],".to_vec();
                t.extend_from_slice(rest);
                t
            }
            _ => b"0]}".to_vec(),
        };
        Self {
            head: Some(Bytes::from_static(b"{\"padding\":[")),
            piece: Bytes::from("0,".repeat(PIECE / 2)),
            left: OVERSIZED_BYTES / PIECE,
            tail: Some(Bytes::from(rest)),
        }
    }
}

impl futures_core::Stream for Padding {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(head)));
        }
        if self.left > 0 {
            self.left -= 1;
            return Poll::Ready(Some(Ok(self.piece.clone())));
        }
        Poll::Ready(self.tail.take().map(Ok))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_bodies_are_never_json() {
        let body = br#"{"generated_at":"2026-11-18T11:00:00Z","seats":[]}"#;
        for variant in 0..4 {
            let bad = malform(body, variant);
            assert!(
                serde_json::from_slice::<Value>(&bad).is_err(),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
    }

    #[test]
    fn padding_is_valid_json_and_large() {
        let mut p = Padding::around(br#"{"cursor":"x","seats":[]}"#);
        let mut total = 0;
        let mut tail = Vec::new();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        while let Poll::Ready(Some(Ok(piece))) =
            futures_core::Stream::poll_next(Pin::new(&mut p), &mut cx)
        {
            total += piece.len();
            tail = piece.to_vec();
        }
        assert!(total >= OVERSIZED_BYTES);
        assert_eq!(tail, br#"0],"cursor":"x","seats":[]}"#.to_vec());
    }
}
