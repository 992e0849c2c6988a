use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;

pub struct AppState;

// No layer bounds the handler: its request waits as long as the server lets it.
pub async fn exchange_token(State(_state): State<AppState>, Json(code): Json<String>) -> String {
    let client = reqwest::Client::new(); //~ missing-timeout
    let response = client.post("https://auth.example/token").body(code).send().await;
    response.map(|r| r.status().to_string()).unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let app: Router = Router::new().route("/token", post(exchange_token));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, app)
        .with_graceful_shutdown(terminated())
        .await
        .unwrap();
}

async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::terminate()).unwrap().recv().await;
}
