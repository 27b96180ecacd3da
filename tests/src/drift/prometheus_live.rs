//! Drift against a live Prometheus: a real server (Debian's package) loads the generated rules on
//! loopback; `idpc diff --prometheus` sees no drift; one rule is changed on the server and
//! reloaded; `idpc diff` reports exactly that rule.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::tools::program;
use crate::support::{build_dir, repo_root, run_cli};

/// A Prometheus process, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(binary: &Path, dir: &Path) -> Server {
    std::fs::write(
        dir.join("prometheus.yml"),
        "global:\n  evaluation_interval: 1s\nrule_files:\n  - rules/*.rules.yaml\n",
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--web.enable-lifecycle")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, url: format!("http://127.0.0.1:{port}") };
    wait_for(
        || get(&format!("{}/-/ready", server.url)).is_some_and(|(status, _)| status == 200),
        "Prometheus to be ready",
    );
    server
}

fn get(url: &str) -> Option<(u16, String)> {
    let mut response = ureq::get(url).call().ok()?;
    let status = response.status().as_u16();
    Some((status, response.body_mut().read_to_string().ok()?))
}

fn wait_for(mut ready: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_rule_changed_on_a_live_prometheus_is_drift() {
    let Some(binary) = program("a_rule_changed_on_a_live_prometheus_is_drift", "prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    let mut files = 0;
    for artifact in build_dir(&repo_root().join("examples/acme"))
        .iter()
        .filter(|a| a.path.starts_with("prometheus/prod/") && a.path.ends_with(".rules.yaml"))
    {
        let name = artifact.path.rsplit('/').next().unwrap();
        std::fs::write(dir.path().join("rules").join(name), &artifact.contents).unwrap();
        files += 1;
    }
    let server = start(&binary, dir.path());
    wait_for(
        || {
            get(&format!("{}/api/v1/rules", server.url))
                .is_some_and(|(_, body)| body.contains("payments-api-slo-alerts"))
        },
        "the rules to load",
    );

    let acme = repo_root().join("examples/acme");
    let diff = || {
        run_cli(&["diff", acme.to_str().unwrap(), "--prometheus", &server.url, "--format", "json"])
    };
    let (code, out, err) = diff();
    assert_eq!(code, 0, "the freshly loaded rules drift:\n{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Every production rule file has a recording group and an alerting group.
    assert_eq!(report["compared"].as_u64().unwrap(), 2 * files, "{report:#}");

    // Someone edits the page threshold of payments-api on the server and reloads.
    let file = dir.path().join("rules/payments-api.rules.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("> (14.4 * 0.0005)", "> (20 * 0.0005)", 2)).unwrap();
    let reload = ureq::post(&format!("{}/-/reload", server.url)).send_empty();
    assert!(reload.is_ok(), "reload failed: {reload:?}");
    wait_for(
        || {
            get(&format!("{}/api/v1/rules", server.url))
                .is_some_and(|(_, body)| body.contains("20 * 0.0005"))
        },
        "the changed rule to load",
    );

    let (code, out, _) = diff();
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let drifts = report["drifts"].as_array().unwrap();
    assert_eq!(drifts.len(), 1, "{report:#}");
    assert_eq!(drifts[0]["object"], "rule group payments-api-slo-alerts in prod");
    assert_eq!(drifts[0]["path"], "rules[0].expr");
    assert_eq!(drifts[0]["source"]["file"], "services/payments.kdl");
    assert!(drifts[0]["live"].as_str().unwrap().contains("20 * 0.0005"));
}
