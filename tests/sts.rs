//! `role_arn` natively (reqwest transport) against a real STS: moto's server with authentication
//! on, so every signature and IAM policy is checked. The IAM user may only assume the role; the
//! role may use S3. Success on S3 proves the role's temporary credentials signed (the user's own
//! keys are refused), and a wrong secret ends in `Error::Credentials`. (tests/js/sts.test.mjs runs
//! the same through the npm package.)
#![cfg(not(target_arch = "wasm32"))]

mod common;

use magnus_s3::{Config, Credentials, Env, Error, NewRunLog, S3RunLogStore};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

/// A signed form POST (IAM) or empty PUT (S3) to moto; returns status and body.
async fn call(url: &str, service: &str, method: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", magnus_s3::config::encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&");
    let headers = if form.is_empty() {
        vec![]
    } else {
        vec![("content-type".to_string(), "application/x-www-form-urlencoded; charset=utf-8".to_string())]
    };
    // Before authentication is switched on moto takes any key; the signature only routes the call.
    let creds = Credentials::new("AKIDSETUP", "setup", None);
    let (status, body) = common::signed_as(&creds, service, method, url, &headers, body.as_bytes()).await;
    (status, String::from_utf8(body).unwrap())
}

fn tag(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no {name} in {xml}")) + open.len();
    xml[start..start + xml[start..].find('<').unwrap()].to_string()
}

#[tokio::test]
async fn role_arn_assumes_the_role_and_signs_s3_with_it() {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-moto/bin/moto_server");
    assert!(bin.exists(), "moto is not installed: scripts/setup.sh installs it into .venv-moto");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _moto = Moto(
        Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let moto = format!("http://127.0.0.1:{port}");
    for _ in 0..150 {
        if reqwest::get(format!("{moto}/moto-api/")).await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let root = format!("{moto}/");
    let iam = |form: Vec<(&'static str, String)>| {
        let root = root.clone();
        async move {
            let mut all = vec![("Version", "2010-05-08".to_string())];
            all.extend(form);
            let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(&root, "iam", "POST", &pairs).await
        }
    };
    let (_, user) = iam(vec![("Action", "CreateUser".into()), ("UserName", "pipeline".into())]).await;
    let (_, key) = iam(vec![("Action", "CreateAccessKey".into()), ("UserName", "pipeline".into())]).await;
    let allow = |action: &str| {
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#)
    };
    iam(vec![
        ("Action", "PutUserPolicy".into()),
        ("UserName", "pipeline".into()),
        ("PolicyName", "assume".into()),
        ("PolicyDocument", allow("sts:AssumeRole")),
    ])
    .await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
        tag(&user, "Arn")
    );
    let (_, role) = iam(vec![
        ("Action", "CreateRole".into()),
        ("RoleName", "runs-writer".into()),
        ("AssumeRolePolicyDocument", trust),
    ])
    .await;
    iam(vec![
        ("Action", "PutRolePolicy".into()),
        ("RoleName", "runs-writer".into()),
        ("PolicyName", "s3".into()),
        ("PolicyDocument", allow("s3:*")),
    ])
    .await;
    assert_eq!(call(&format!("{moto}/runlogs"), "s3", "PUT", &[]).await.0, 200);
    // From here on moto checks every signature and policy.
    let reset = reqwest::Client::new().post(format!("{moto}/moto-api/reset-auth")).body("0").send().await.unwrap();
    assert!(reset.status().is_success());

    let role_arn = tag(&role, "Arn");
    let config = |role: &str| {
        Config::from_value(&common::value!({"s3_bucket": "runlogs", "prefix": "sts-native", "endpoint_url": moto,
            "region": "us-east-1", "use_credentials": true, "role_arn": role}))
        .unwrap()
    };
    let env: Env = [
        ("AWS_ACCESS_KEY_ID", tag(&key, "AccessKeyId")),
        ("AWS_SECRET_ACCESS_KEY", tag(&key, "SecretAccessKey")),
        ("AWS_ENDPOINT_URL_STS", moto.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();

    let store = S3RunLogStore::new(config(&role_arn), &env).unwrap();
    store.create_run_log("r1", NewRunLog::default()).await.unwrap();
    store.update_run_log_status("r1", "SUCCESS").await.unwrap();
    assert_eq!(store.get_run_log_by_id("r1", false).await.unwrap().status, "SUCCESS");
    assert!(store.presign_get_run_log("r1", Some(60)).await.unwrap().contains("X-Amz-Security-Token="));

    // The user's own keys are refused by S3: authorization is really enforced.
    match S3RunLogStore::new(config(""), &env).unwrap().get_run_log_by_id("r1", false).await {
        Err(Error::S3 { status: 403, .. }) => {}
        other => panic!("expected 403 for the user's own keys, got {other:?}"),
    }
    // A wrong secret fails at STS, as a credentials error that names the role.
    let mut wrong = env.clone();
    wrong.insert("AWS_SECRET_ACCESS_KEY".into(), "not-the-secret".into());
    match S3RunLogStore::new(config(&role_arn), &wrong).unwrap().get_run_log_by_id("r1", false).await {
        Err(Error::Credentials { message, .. }) => {
            assert!(message.contains(&role_arn) && message.contains("403"), "{message}");
            assert!(!message.contains("not-the-secret"));
        }
        other => panic!("expected a credentials error, got {other:?}"),
    }
}
