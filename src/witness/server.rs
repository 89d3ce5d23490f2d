//! The witness over HTTP: `POST /add-checkpoint` (bodies over 64 KiB are 413) and `GET /`, a
//! line naming the witness and its key for whoever opens it in a browser. Submissions are
//! answered on the blocking pool: each saves the state file and syncs it to disk.
//!
//! May use: axum, tokio, the rest of `witness`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use super::{TEXT_CONTENT_TYPE, Witness};

/// The largest request body read: a checkpoint note is at most 64 KiB and a proof 63 lines.
pub const MAX_BODY_BYTES: usize = 64 << 10;

/// The witness's routes.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/", get(about))
        .fallback(unknown_path)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(witness)
}

/// Serves `witness` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(witness)).with_graceful_shutdown(shutdown).await
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(CONTENT_TYPE, content_type)], body).into_response()
}

async fn add_checkpoint(
    State(witness): State<Arc<Witness>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let why = format!("the body is larger than {} KiB\n", MAX_BODY_BYTES >> 10);
            tracing::info!(status = 413, "witness refused a checkpoint: {}", why.trim_end());
            return text(StatusCode::PAYLOAD_TOO_LARGE, TEXT_CONTENT_TYPE, why);
        }
        Err(e) => {
            let why = format!("the body could not be read: {e}\n");
            return text(StatusCode::BAD_REQUEST, TEXT_CONTENT_TYPE, why);
        }
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let answered = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, now)).await;
    match answered {
        Ok(r) => text(r.status, r.content_type, r.body),
        Err(e) => {
            tracing::error!("witness: answering a submission failed: {e}");
            let why = "the witness failed while answering; nothing was cosigned\n".to_owned();
            text(StatusCode::INTERNAL_SERVER_ERROR, TEXT_CONTENT_TYPE, why)
        }
    }
}

async fn about(State(witness): State<Arc<Witness>>) -> Response {
    let line = format!(
        "carrel witness {} for {}; verifier key {}\n",
        witness.vkey().name(),
        witness.origins().join(", "),
        witness.vkey()
    );
    text(StatusCode::OK, TEXT_CONTENT_TYPE, line)
}

async fn unknown_path(uri: Uri) -> Response {
    let why = format!("no endpoint at {}; a witness serves POST /add-checkpoint\n", uri.path());
    text(StatusCode::NOT_FOUND, TEXT_CONTENT_TYPE, why)
}
