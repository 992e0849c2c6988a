//! Background tasks that report on the tunnel.

use std::time::Duration;

pub fn start_reporter(listen: &str) {
    let name = listen.to_string();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            report(&name).await;
        }
    });
}

pub fn start_probe(peer: Option<std::net::SocketAddr>) {
    tokio::spawn(async move { //~ detached-spawn
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            probe(peer).await;
        }
    });
}

async fn report(_name: &str) {}

async fn probe(_peer: Option<std::net::SocketAddr>) {}
