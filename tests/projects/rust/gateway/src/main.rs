use std::time::Duration;

use axum::Router;
use axum::routing::post;
use tower_http::timeout::TimeoutLayer;

mod handlers;
mod sync;

// Every handler's future is dropped after 30 seconds: the requests they make are bounded.
fn router() -> Router {
    Router::new()
        .route("/token", post(handlers::exchange_token))
        .layer(TimeoutLayer::new(Duration::from_secs(30)))
}

#[tokio::main]
async fn main() {
    tokio::spawn(sync::mirror_forever());
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, router())
        .with_graceful_shutdown(terminated())
        .await
        .unwrap();
}

async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::terminate()).unwrap().recv().await;
}
