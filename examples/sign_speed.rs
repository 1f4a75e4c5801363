//! Native timing of one header signature (what bench/signing.mjs measures through the package).
fn main() {
    use magnus_s3::signing::{sign_headers, RequestParts, SignOptions};
    let creds = magnus_s3::Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Some("FwoGZXIvYXdzEXAMPLETOKEN0123456789".into()),
    );
    let req = RequestParts {
        method: "GET",
        url: "https://examplebucket.s3.eu-west-1.amazonaws.com/runs/r1.json",
        headers: &[],
        body: b"",
    };
    let n = 200_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let o = SignOptions::new(&creds, "eu-west-1", "s3", std::time::SystemTime::now());
        std::hint::black_box(sign_headers(&req, &o).unwrap());
    }
    println!("{:.2} µs per signature", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
