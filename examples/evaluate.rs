//! Reads `examples/cors.xml`, validates and compiles it, and prints the answer to a browser's
//! upload preflight as an HTTP response would carry it.
//!
//! `cargo run --example evaluate`

use bucket_cors::{CorsConfiguration, CorsEngine, CorsRequest, Decision};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cors.xml");
    let config = CorsConfiguration::from_s3_xml(&std::fs::read(path)?)?;
    let engine = CorsEngine::compile(&config)?;
    let request = CorsRequest::builder("OPTIONS")
        .origin("https://app.example.com")
        .request_method("PUT")
        .request_headers("content-type,x-amz-date")
        .build();
    println!("OPTIONS /bucket/photo.jpg");
    println!("Origin: https://app.example.com");
    println!("Access-Control-Request-Method: PUT");
    println!("Access-Control-Request-Headers: content-type,x-amz-date\n");
    let decision = engine.evaluate(&request);
    match decision {
        Decision::Reject(rejection) => {
            println!("HTTP/1.1 {} {}", rejection.status(), rejection.code());
            println!("Content-Type: application/xml\n");
            println!(
                "{}",
                rejection.to_xml("EXAMPLE-REQUEST-ID", "EXAMPLE-HOST-ID")
            );
        }
        other => {
            if let Some(status) = other.status() {
                println!("HTTP/1.1 {status} OK");
            }
            for (name, value) in other.headers() {
                println!("{name}: {value}");
            }
        }
    }
    Ok(())
}
