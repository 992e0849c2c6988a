// Not a handler: the router's timeout layer does not bound this loop's requests.
pub async fn mirror_forever() {
    let client = reqwest::Client::new(); //~ missing-timeout
    loop {
        let _ = client.get("https://upstream.example/feed").send().await;
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}
